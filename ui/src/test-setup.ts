// Every UI test: jsdom has <dialog> but not its modal methods; the browser's
// modal behaviour is not under test here (the e2e specs drive the real one).
const proto = HTMLDialogElement.prototype;
proto.showModal ??= function (this: HTMLDialogElement) {
  this.open = true;
};
proto.close ??= function (this: HTMLDialogElement) {
  this.open = false;
};
