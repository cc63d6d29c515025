// A stored number (E.164) as people read it: an Indonesian mobile number
// grouped as it is written here (+62 812-3456-7890); any other number as stored.
// Display only: what is typed is always read by the core.
export function formatPhone(e164: string): string {
  const m = /^\+62(8\d{2})(\d{3,4})(\d{3,5})$/.exec(e164);
  if (!m) return e164;
  return `+62 ${m[1]}-${m[2]}-${m[3]}`;
}
