// What the console's end-to-end scripts (console.e2e.js, qr.e2e.js) share:
// their settings from the environment, the checks, screenshots, logging in
// and out, and a fresh headless Chromium profile.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const BASE = env('BASE_URL');
const SHOTS = env('SHOTS_DIR');

function check(ok, what) {
  if (!ok) throw new Error('check failed: ' + what);
  console.log('ok  ' + what);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

async function login(page, user, pass) {
  await page.goto(BASE + '/login');
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', pass);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  check(!page.url().includes('/login'), `${user} logs in`);
}

async function logout(page) {
  await Promise.all([page.waitForNavigation(), page.click('header form[action="/logout"] button')]);
  check(page.url().endsWith('/login'), 'logout goes back to the login page');
}

// launch starts headless Chromium (CHROMIUM, else /usr/bin/chromium) in a
// new profile folder named from prefix, with the Chinese locale and a
// 1280×900 window; extra adds launch options. close ends it and removes
// the folder.
async function launch(prefix, extra) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const ctx = await chromium.launchPersistentContext(dataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    ...extra,
    locale: 'zh-CN',
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  return {
    ctx,
    close: async () => {
      await ctx.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// run runs a script's main and exits non-zero with its message when a
// check fails.
function run(main) {
  main().then(() => console.log('PASS'), (e) => { console.error('FAIL: ' + e.message); process.exit(1); });
}

module.exports = { env, BASE, check, shot, login, logout, launch, run };
