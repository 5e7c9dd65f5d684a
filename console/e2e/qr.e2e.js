// End-to-end test of the console's QR pages in headless Chromium.
//
// Run by TestConsoleInChromiumQR (cmd/posguard/console_qr_e2e_test.go),
// which starts the real host with the simulated wallet channel on a
// temporary SQLite database, has the merchant's system pay an order of
// 50.00 元 by payment code through the API, and another merchant pay one
// too, then passes:
//   BASE_URL, MERCHANT_USER, MERCHANT_PASS, OPERATOR_USER, OPERATOR_PASS,
//   OUT_ORDER_NO and TRANSACTION_ID (of the merchant's paid order),
//   OTHER_ORDER_ID (the other merchant's order, Q…), STATEMENT_FROM and
//   STATEMENT_TO (a span with the payment's settlement date), SHOTS_DIR,
//   CHROMIUM.
// It exits non-zero with a message on the first failed check.
'use strict';
const { env, BASE, check, shot, login, logout, launch, run } = require('./browser');

async function main() {
  const { ctx, close } = await launch('posguard-chromium-qr-', {});
  const errors = [];
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    page.on('pageerror', (e) => errors.push('page error: ' + e.message));
    // A console error is a failure, except the one Chromium logs for a
    // page this test opens on purpose to see its 404 or 409.
    let expected = null;
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (expected && m.location().url.startsWith(expected.url) && m.text().includes(expected.status)) return;
      errors.push('console error: ' + m.text() + ' at ' + m.location().url);
    });
    const outOrderNo = env('OUT_ORDER_NO');

    // --- The merchant finds its order by its own order number ---
    await login(page, env('MERCHANT_USER'), env('MERCHANT_PASS'));
    await page.click('nav a[href="/qr"]');
    await page.waitForLoadState();
    await page.fill('input[name=out_order_no]', outOrderNo);
    await Promise.all([page.waitForNavigation(), page.click('form.search button[type=submit]')]);
    check(page.url().includes('out_order_no=' + outOrderNo), 'the QR search is a GET form with field out_order_no');
    const rows = page.locator('main table tbody tr');
    check(await rows.count() === 1, 'the search by the merchant order number finds exactly its order');
    check((await rows.first().textContent()).includes('50.00'), 'the order shows its amount in 元');
    await shot(page, 'merchant-qr-search');

    // Opens it: state, channel numbers, history, refundable amount.
    await Promise.all([page.waitForNavigation(), rows.first().locator('a').first().click()]);
    check(/\/qr\/Q\d+$/.test(page.url()), 'the order page is /qr/Q{id}');
    const orderURL = page.url();
    let main = await page.textContent('main');
    check(main.includes(outOrderNo) && main.includes(env('TRANSACTION_ID')), 'the order page shows the merchant order number and the channel transaction');
    check(main.includes('订单经过') && main.includes('已付款'), 'the order page shows its history with the payment');
    check((await page.textContent('dd.refundable')).includes('50.00'), 'all 50.00 元 are refundable');

    // Over the refundable amount: refused with the reason, nothing refunded.
    await page.fill('form[action$="/refunds"] input[name=amount]', '60');
    await page.fill('form[action$="/refunds"] input[name=reason]', '多退');
    expected = { url: BASE + '/qr/', status: '409' };
    const over = await Promise.all([page.waitForNavigation(), page.click('form[action$="/refunds"] button[type=submit]')]);
    check(over[0].status() === 409 && (await page.textContent('.error')).includes('超过可退金额'), 'a refund above the refundable amount is refused (409) with the reason');
    check((await page.textContent('main')).includes('没有退款'), 'nothing was refunded');
    expected = null;

    // Refunds part of it.
    await page.goto(orderURL);
    await page.fill('form[action$="/refunds"] input[name=amount]', '12.34');
    await page.fill('form[action$="/refunds"] input[name=reason]', '顾客退回一件商品');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/refunds"] button[type=submit]')]);
    check(page.url().startsWith(orderURL) && (await page.textContent('.flash')).includes('退款成功'), 'the partial refund succeeds');
    const refunds = await page.textContent('table.refunds');
    check(refunds.includes('12.34') && refunds.includes('成功'), 'the refund is listed as succeeded');
    check((await page.textContent('dd.refundable')).includes('37.66'), 'the refundable amount is now 37.66 元');
    main = await page.textContent('main');
    check(main.includes('退款 R') && main.includes('12.34'), 'the history shows the refund');
    await shot(page, 'merchant-qr-order');

    // The statement lists the payment and, once the ledger has it, the
    // refund, by the merchant's order number.
    const stmtURL = BASE + '/statements?from=' + env('STATEMENT_FROM') + '&to=' + env('STATEMENT_TO');
    let lines = '';
    for (let i = 0; i < 40; i++) {
      await page.goto(stmtURL);
      lines = (await page.locator('table.qr-lines').count()) ? await page.textContent('table.qr-lines') : '';
      if (lines.includes('12.34')) break;
      await page.waitForTimeout(250); // the ledger poster runs every 2 s
    }
    check(lines.includes(outOrderNo) && lines.includes(env('TRANSACTION_ID')) && lines.includes('支付') && lines.includes('50.00'), 'the statement lists the payment by its order number');
    check(lines.includes('12.34') && lines.split('退款').length > 2, 'the statement lists the refund');
    await shot(page, 'merchant-qr-statement');

    // Another merchant's order is the 404 page, in the list and by address.
    const other = env('OTHER_ORDER_ID');
    await page.goto(BASE + '/qr?id=' + other);
    check(await page.locator('main table tbody tr').count() === 0, "the search by id does not find another merchant's order");
    expected = { url: BASE + '/qr/' + other, status: '404' };
    const res = await page.goto(BASE + '/qr/' + other);
    check(res.status() === 404 && (await page.textContent('h1')) === '页面不存在', "another merchant's order answers the 404 page");
    expected = null;
    await logout(page);

    // --- The operator finds it by the channel's transaction number ---
    await login(page, env('OPERATOR_USER'), env('OPERATOR_PASS'));
    await page.goto(BASE + '/qr');
    await page.fill('input[name=channel_no]', env('TRANSACTION_ID'));
    await Promise.all([page.waitForNavigation(), page.click('form.search button[type=submit]')]);
    const staffRows = page.locator('main table tbody tr');
    check(await staffRows.count() === 1 && (await staffRows.first().textContent()).includes(outOrderNo), 'the operator finds the order by the channel transaction number');
    await shot(page, 'staff-qr-search');
    await logout(page);
  } finally {
    await close();
  }
  check(errors.length === 0, 'no JavaScript or CSP error in any page' + (errors.length ? ': ' + errors.join('; ') : ''));
}

run(main);
