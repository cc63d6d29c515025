// First run: the owner is set up, then signs out, is refused a wrong
// password, signs in, and after a restart of the app meets the login (not
// the setup again). Then the language switch: Bahasa Indonesia by default,
// English from the settings, kept across a restart.
import { browser, $$ } from '@wdio/globals';
import { OWNER, signIn, click, shown, fill, shot, el, waitText } from '../helpers.mjs';

describe('first run and sign-in', () => {
  it('asks a fresh shop for its owner, then opens the list', async () => {
    await shown('setup-username', 30_000);
    // The setup is not skippable: the main screen is not there yet.
    expect(await el('nav-customers').isDisplayed()).toBe(false);
    await signIn(OWNER, { screenshots: true });
    await shown('nav-customers');
    await shot('customers-empty');
  });

  it('signs out, refuses a wrong password, and signs in again', async () => {
    await click('logout');
    await shown('login-username');
    await fill('login-username', OWNER.username);
    await fill('login-password', 'not-the-password');
    await click('login-submit');
    // Refused: an alert says why and the gate stays.
    await browser.waitUntil(async () => (await $$('[role="alert"]')).length > 0, {
      timeoutMsg: 'a wrong password showed no error',
    });
    expect(await el('nav-customers').isDisplayed()).toBe(false);
    await shot('login-refused');
    await fill('login-password', OWNER.password);
    await click('login-submit');
    await shown('nav-customers');
  });

  it('shows the login, not the setup, when the app starts again', async () => {
    await browser.reloadSession();
    await shown('login-username', 30_000);
    expect(await el('setup-username').isExisting()).toBe(false);
    await shot('login');
    await signIn();
  });
});

describe('language', () => {
  it('is Bahasa Indonesia by default and English once chosen in the settings', async () => {
    await waitText('nav-customers', 'Pelanggan');
    await click('nav-settings');
    await shown('settings-language');
    await shot('settings');
    await fill('settings-language', 'en');
    if (await el('settings-save').isDisplayed()) await click('settings-save');
    await waitText('nav-customers', 'Customers');
    await waitText('nav-settings', 'Settings');
    await shot('settings-en');
  });

  it('keeps the chosen language after a restart', async () => {
    await browser.reloadSession();
    await signIn();
    await waitText('nav-customers', 'Customers');
    // Back to the default, through the same select.
    await click('nav-settings');
    await fill('settings-language', 'id');
    if (await el('settings-save').isDisplayed()) await click('settings-save');
    await waitText('nav-customers', 'Pelanggan');
  });
});
