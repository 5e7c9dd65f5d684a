// End-to-end test of the posguard console in headless Chromium.
//
// Run by TestConsoleInChromium (cmd/posguard/console_e2e_test.go), which
// starts the real host on a temporary SQLite database, makes the demo
// story happen (a failed sale, a held payout, an incident, a chargeback)
// and passes:
//   BASE_URL, MERCHANT_USER, MERCHANT_PASS, OPERATOR_USER, OPERATOR_PASS,
//   RISK_USER, RISK_PASS (who approves the merchant's limit request),
//   CARD_TAIL (of the failed sale), DISPUTE_ID (the chargeback of the
//   approved sale), SHOTS_DIR (screenshots), CHROMIUM.
// It exits non-zero with a message on the first failed check.
'use strict';
const fs = require('fs');
const { env, BASE, check, shot, login, logout, launch, run } = require('./browser');
const TAIL = env('CARD_TAIL');
const DISPUTE = env('DISPUTE_ID');

async function main() {
  const { ctx, close } = await launch('posguard-chromium-', { acceptDownloads: true });
  const errors = [];
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    page.on('pageerror', (e) => errors.push('page error: ' + e.message));
    // A console error is a failure, except the one Chromium logs for the
    // page this test opens on purpose to see its 404.
    let expect404 = '';
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (expect404 && m.location().url.startsWith(expect404) && m.text().includes('404')) return;
      errors.push('console error: ' + m.text() + ' at ' + m.location().url);
    });

    // --- The merchant ---
    await login(page, env('MERCHANT_USER'), env('MERCHANT_PASS'));
    check(await page.textContent('h1') === '概览', 'the merchant lands on its dashboard, in Chinese');
    await shot(page, 'merchant-dashboard');

    // Finds the failed sale by the card's last four digits.
    await page.click('nav a[href="/transactions"]');
    await page.fill('input[name=card_tail]', TAIL);
    await Promise.all([page.waitForNavigation(), page.click('form.search button[type=submit]')]);
    check(page.url().includes('card_tail=' + TAIL), 'the search is a GET form with field card_tail');
    const rows = page.locator('table tbody tr');
    check(await rows.count() >= 1, 'the search by card tail finds the sale');
    check((await rows.first().textContent()).includes('******' + TAIL), 'the card shows masked 6+4');
    await shot(page, 'merchant-search');

    // Reads in Chinese why it failed and what to do.
    const failedRow = page.locator('table tbody tr', { hasText: '被拒绝' }).first();
    await Promise.all([page.waitForNavigation(), failedRow.locator('a').first().click()]);
    check(/\/transactions\/\d+$/.test(page.url()), 'the transaction page is /transactions/{id}');
    const why = await page.textContent('.why');
    check(why.includes('失败原因') && why.includes('怎么办') && why.includes('余额不足'), 'the page says why (余额不足) and what to do, in Chinese');
    await shot(page, 'merchant-transaction');
    const txnURL = page.url();

    // Switches language and back.
    await Promise.all([page.waitForNavigation(), page.click('a[lang=en]')]);
    check((await page.textContent('.why')).includes('Why it failed'), 'English after the language switch');
    await page.goto(BASE + '/transactions');
    check(await page.textContent('h1') === 'Transactions', 'English is remembered on the next page');
    await shot(page, 'merchant-search-en');
    await Promise.all([page.waitForNavigation(), page.click('a[lang=zh-CN]')]);
    check(await page.textContent('h1') === '交易查询', 'back to Chinese');

    // Files a complaint on the sale.
    await page.goto(txnURL);
    await page.fill('textarea[name=text]', '顾客说卡里有钱，请帮忙核实');
    await Promise.all([page.waitForNavigation(), page.click('form[action="/cases"] button[type=submit]')]);
    check(/\/cases\/\d+/.test(page.url()) && (await page.textContent('.flash')).includes('投诉已提交'), 'the complaint is filed and its case shown');
    await shot(page, 'merchant-case');

    // Sees the held payout and why, and requests re-settlement.
    await page.click('nav a[href="/settlements"]');
    await page.waitForLoadState();
    const held = page.locator('table', { hasText: '申请重新结算' }).first();
    check(await held.count() === 1, 'a held payout is listed with the re-settlement button');
    check((await held.textContent()).includes('冻结'), 'the held payout says why (the account is frozen)');
    await shot(page, 'merchant-settlements');
    await Promise.all([page.waitForNavigation(), held.locator('button').first().click()]);
    check((await page.textContent('.flash')).includes('重新结算申请已提交'), 're-settlement requested');

    // Downloads its statement.
    await page.click('nav a[href="/statements"]');
    await page.waitForLoadState();
    await shot(page, 'merchant-statements');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('a[href*="format=csv"]')]);
    const csvText = fs.readFileSync(await csv.path(), 'utf8');
    check(csv.suggestedFilename().endsWith('.csv') && csvText.split('\n').length >= 2, 'the CSV statement downloads');
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('a[href*="format=xlsx"]')]);
    check(fs.readFileSync(await xlsx.path()).subarray(0, 2).toString() === 'PK', 'the XLSX statement downloads');

    // Works the chargeback: reads the deadline, opens the printable
    // receipt, adds a statement and a PDF, sends the response and wins.
    await page.click('nav a[href="/disputes"]');
    await page.waitForLoadState();
    check((await page.textContent('main table')).includes(DISPUTE), 'the merchant sees its chargeback in its disputes');
    await shot(page, 'merchant-disputes');
    await Promise.all([page.waitForNavigation(), page.click(`main table a[href="/disputes/${DISPUTE}"]`)]);
    const facts = await page.textContent('main');
    check(facts.includes('回复期限') && facts.includes('持卡人否认交易') && facts.includes('receipt.txt'), 'the dispute shows its deadline, reason and the evidence gathered');
    await Promise.all([page.waitForNavigation(), page.click('main a[href$="/receipt"]')]);
    const slip = await page.textContent('.slip');
    check(slip.includes('银联POS签购单') && slip.includes('凭证号') && /\d{6}\*+\d{4}/.test(slip), 'the printable receipt carries the slip fields, card masked');
    await page.emulateMedia({ media: 'print' });
    check(!(await page.isVisible('header.top')), 'printing the receipt hides the navigation');
    await page.emulateMedia({ media: 'screen' });
    await shot(page, 'merchant-receipt');
    await page.goBack();
    await page.fill('form[action$="/statement"] textarea[name=text]', '持卡人在收银台签名，监控录像已保存');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/statement"] button[type=submit]')]);
    check((await page.textContent('.flash')).includes('证据已添加'), 'the statement is added');
    await page.setInputFiles('form[action$="/file"] input[name=file]', { name: 'signed-slip.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 signed slip') });
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/file"] button[type=submit]')]);
    check((await page.textContent('main')).includes('signed-slip.pdf'), 'the PDF is uploaded and listed');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/respond"] button[type=submit]')]);
    check((await page.textContent('.flash')).includes('回复已提交') && (await page.textContent('main')).includes('胜诉'), 'the response is sent and the representment won');
    await shot(page, 'merchant-dispute');

    // Asks for a higher per-transaction limit (提额) and sees it pending.
    await page.click('nav a[href="/limit-requests"]');
    await page.waitForLoadState();
    check((await page.textContent('main')).includes('当前限额'), 'the merchant sees its limits now');
    await page.selectOption('form[method=post][action="/limit-requests"] select[name=limit]', 'per_txn');
    await page.fill('form[method=post][action="/limit-requests"] input[name=value]', '8000.00');
    await page.fill('form[method=post][action="/limit-requests"] input[name=reason]', '宴席订单增多，单笔超过5000元');
    await Promise.all([page.waitForNavigation(), page.click('form[method=post][action="/limit-requests"] button[type=submit]')]);
    check(/\/limit-requests\/\d+/.test(page.url()) && (await page.textContent('.flash')).includes('提额申请已提交'), 'the limit request is filed');
    check((await page.textContent('main')).includes('待审核') && (await page.textContent('main')).includes('8,000.00'), 'the request shows pending with the requested 8,000.00');
    const limitURL = page.url().split('?')[0];
    await shot(page, 'merchant-limit-request');

    // A staff page is a 404 for the merchant.
    expect404 = BASE + '/merchants';
    const res = await page.goto(BASE + '/merchants');
    check(res.status() === 404 && (await page.textContent('h1')) === '页面不存在', 'a staff page answers the 404 page');
    expect404 = '';
    await page.goto(BASE + '/notices');
    await shot(page, 'merchant-notices');
    await page.goto(BASE + '/terminals');
    await shot(page, 'merchant-terminals');
    await page.goto(BASE + '/cases');
    await logout(page);

    // --- The operator ---
    await login(page, env('OPERATOR_USER'), env('OPERATOR_PASS'));
    check((await page.textContent('main')).includes('进行中的异常事件'), 'the operations dashboard shows open incidents');
    check(await page.locator('main table', { hasText: '发卡行不可用' }).count() >= 1, 'the incident is on the dashboard');
    check(await page.locator('svg.chart').count() >= 2, 'the dashboard draws its charts as SVG');
    await shot(page, 'staff-dashboard');
    await page.click('nav a[href="/cases"]');
    await page.waitForLoadState();
    const queue = await page.textContent('main table');
    check(queue.includes('商户投诉') && queue.includes('出款失败'), 'the complaint and the payout case are in the queue');
    await shot(page, 'staff-cases');
    await page.goto(BASE + '/disputes');
    check((await page.textContent('main table')).includes(DISPUTE), 'the chargeback is in the staff dispute queue');
    await shot(page, 'staff-disputes');
    await page.click('nav a[href="/cases"]');
    await page.waitForLoadState();
    await Promise.all([page.waitForNavigation(), page.locator('main table tr', { hasText: '商户投诉' }).first().locator('a').first().click()]);
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/assign"] button')]);
    check((await page.textContent('.flash')).includes('已分派'), 'the operator takes the complaint');
    await page.click('nav a[href="/transactions"]');
    await page.fill('input[name=card_tail]', TAIL);
    await Promise.all([page.waitForNavigation(), page.click('form.search button[type=submit]')]);
    await shot(page, 'staff-search');
    await Promise.all([page.waitForNavigation(), page.locator('table tbody tr a').first().click()]);
    check((await page.textContent('main')).includes('证据'), 'staff see the evidence');
    await shot(page, 'staff-transaction');
    for (const [p, name] of [['/settlements', 'staff-settlements'], ['/merchants', 'staff-merchants'], ['/terminals', 'staff-terminals'], ['/notices', 'staff-notices'], ['/audit', 'staff-audit']]) {
      const r = await page.goto(BASE + p);
      check(r.status() === 200, `${p} opens for the operator`);
      await shot(page, name);
    }
    await logout(page);

    // --- The risk user approves the limit request ---
    await login(page, env('RISK_USER'), env('RISK_PASS'));
    await page.click('nav a[href="/limit-requests"]');
    await page.waitForLoadState();
    check((await page.textContent('main table')).includes('8,000.00'), 'the limit request is in the risk queue');
    await shot(page, 'staff-limit-requests');
    await Promise.all([page.waitForNavigation(), page.click(`main table a[href="${new URL(limitURL).pathname}"]`)]);
    await page.fill('form[action$="/approve"] input[name=reason]', '流水与经营范围相符');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/approve"] button:not(.secondary)')]);
    check((await page.textContent('.flash')).includes('新限额已生效') && (await page.textContent('main')).includes('已批准'), 'the risk user approves and the new limit is in effect');
    await logout(page);
    await page.goto(BASE + '/login');
    await shot(page, 'login');
  } finally {
    await close();
  }
  check(errors.length === 0, 'no JavaScript or CSP error in any page' + (errors.length ? ': ' + errors.join('; ') : ''));
}

run(main);
