'use strict';
// Records (compact, see dataset.js) -> Stripe objects in the current API's wire format,
// each built on a copy of its official fixture.
const { fixture } = require('./fixtures');

const nullAddress = () => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null });

function customer(store, r) {
  if (r.deleted) return { id: r.id, object: 'customer', deleted: true };
  const o = fixture('customer');
  Object.assign(o, {
    id: r.id, created: r.created, name: r.name, email: r.email, phone: r.phone || null,
    description: r.description || null, currency: r.currency || null, balance: r.balance || 0,
    delinquent: !!r.delinquent, address: r.address ? Object.assign(nullAddress(), r.address) : null,
    default_source: null, discount: null, invoice_prefix: r.invoicePrefix,
    next_invoice_sequence: r.nextInvoiceSequence || 1, metadata: Object.assign({}, r.metadata),
    preferred_locales: r.preferredLocales || [], shipping: null, tax_exempt: r.taxExempt || 'none',
    livemode: false, test_clock: null,
  });
  o.invoice_settings.default_payment_method = r.defaultPm || null;
  return o;
}

function product(store, r) {
  const o = fixture('product');
  Object.assign(o, {
    id: r.id, created: r.created, updated: r.updated || r.created, name: r.name, description: r.description,
    default_price: r.defaultPrice, active: r.active !== false, metadata: Object.assign({}, r.metadata),
    images: [], marketing_features: (r.features || []).map(name => ({ name })), package_dimensions: null,
    shippable: null, statement_descriptor: null, tax_code: null, unit_label: r.unitLabel || null, url: null,
    type: 'service', livemode: false,
  });
  return o;
}

function price(store, r, expand) {
  const o = fixture('price');
  Object.assign(o, {
    id: r.id, created: r.created, product: r.product, currency: r.currency, active: r.active !== false,
    billing_scheme: r.billingScheme, tiers_mode: r.tiersMode || null, nickname: r.nickname || null,
    lookup_key: r.lookupKey || null, metadata: Object.assign({}, r.metadata), custom_unit_amount: null,
    transform_quantity: null, tax_behavior: 'exclusive', type: 'recurring', livemode: false,
    unit_amount: r.billingScheme === 'tiered' ? null : r.unitAmount,
    unit_amount_decimal: r.billingScheme === 'tiered' ? null : String(r.unitAmount),
  });
  o.recurring = { interval: r.interval, interval_count: r.intervalCount || 1, meter: null, usage_type: 'licensed', trial_period_days: null };
  // Prices created through POST /v1/prices (routes/catalog.js) carry more: type, decimals,
  // transform_quantity, usage_type, currency_options (expand[]=currency_options), tax_behavior.
  const tierOut = t => ({ flat_amount: t.flat_amount, flat_amount_decimal: t.flat_amount_decimal != null ? t.flat_amount_decimal : (t.flat_amount == null ? null : String(t.flat_amount)),
    unit_amount: t.unit_amount, unit_amount_decimal: t.unit_amount_decimal != null ? t.unit_amount_decimal : (t.unit_amount == null ? null : String(t.unit_amount)), up_to: t.up_to });
  if (r.type !== undefined) {
    o.type = r.type;
    o.tax_behavior = r.taxBehavior || 'unspecified';
    if (r.billingScheme !== 'tiered') { o.unit_amount = r.unitAmount; o.unit_amount_decimal = r.unitAmountDecimal; }
    o.transform_quantity = r.transformQuantity ? { divide_by: r.transformQuantity.divide_by, round: r.transformQuantity.round } : null;
    o.recurring = r.type === 'recurring' ? { interval: r.interval, interval_count: r.intervalCount || 1, meter: r.meter || null, usage_type: r.usageType || 'licensed', trial_period_days: null } : null;
    if (expand && expand.has('currency_options')) {
      o.currency_options = {};
      const own = { unitAmount: r.unitAmount, unitAmountDecimal: r.unitAmountDecimal, tiers: r.tiers };
      for (const [c, opt] of [[r.currency, own], ...Object.entries(r.currencyOptions || {})]) {
        o.currency_options[c] = { custom_unit_amount: null, tax_behavior: o.tax_behavior,
          unit_amount: r.billingScheme === 'tiered' ? null : opt.unitAmount, unit_amount_decimal: r.billingScheme === 'tiered' ? null : opt.unitAmountDecimal };
        if (opt.tiers) o.currency_options[c].tiers = opt.tiers.map(tierOut);
      }
    }
  }
  if (expand && expand.has('tiers') && r.tiers) o.tiers = r.tiers.map(tierOut);
  return o;
}

// The legacy plan object Stripe still embeds in subscription items.
function planFromPrice(p) {
  return {
    id: p.id, object: 'plan', active: p.active !== false, amount: p.billingScheme === 'tiered' ? null : p.unitAmount,
    amount_decimal: p.billingScheme === 'tiered' ? null : String(p.unitAmount), billing_scheme: p.billingScheme,
    created: p.created, currency: p.currency, interval: p.interval, interval_count: p.intervalCount || 1,
    livemode: false, metadata: {}, meter: null, nickname: p.nickname || null, product: p.product,
    tiers_mode: p.tiersMode || null, transform_usage: null, trial_period_days: null, usage_type: 'licensed',
  };
}

function subscriptionItem(store, it, subId) {
  const p = store.collection('prices').get(it.price);
  const o = fixture('subscription_item');
  Object.assign(o, {
    id: it.id, created: it.created, discounts: [], metadata: {}, price: price(store, p), plan: planFromPrice(p),
    quantity: it.quantity, subscription: subId, tax_rates: [], current_period_start: it.periodStart,
    current_period_end: it.periodEnd, billing_thresholds: null,
  });
  return o;
}

function subscription(store, r) {
  const o = fixture('subscription');
  Object.assign(o, {
    id: r.id, created: r.created, customer: r.customer, currency: r.currency, status: r.status,
    start_date: r.startDate, billing_cycle_anchor: r.billingCycleAnchor,
    billing_cycle_anchor_config: null, cancel_at: r.cancelAt || null, canceled_at: r.canceledAt || null,
    cancel_at_period_end: !!r.cancelAtPeriodEnd, ended_at: r.endedAt || null,
    cancellation_details: { comment: r.cancellationComment || null, feedback: r.cancellationFeedback || null, reason: r.cancellationReason || null },
    collection_method: r.collectionMethod, days_until_due: r.daysUntilDue || null,
    default_payment_method: r.defaultPm || null, default_source: null, default_tax_rates: [], description: null,
    discounts: (r.discounts || []).map(d => d.id), latest_invoice: r.latestInvoice || null, livemode: false, metadata: Object.assign({}, r.metadata),
    next_pending_invoice_item_invoice: null, on_behalf_of: null, pause_collection: r.pauseCollection || null,
    pending_invoice_item_interval: null, pending_setup_intent: null, pending_update: null, schedule: r.schedule || null,
    test_clock: null, transfer_data: null, trial_start: r.trialStart || null, trial_end: r.trialEnd || null,
    billing_thresholds: null, application: null, application_fee_percent: null,
    billing_mode: { type: 'classic' }, customer_account: null, managed_payments: { enabled: false }, billing_schedules: [],
  });
  o.automatic_tax = { enabled: false, liability: null, disabled_reason: null };
  o.invoice_settings = { account_tax_ids: null, issuer: { type: 'self' } };
  o.payment_settings = { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' };
  o.trial_settings = { end_behavior: { missing_payment_method: r.trialEndBehavior || 'create_invoice' } };
  o.items = { object: 'list', data: r.items.map(it => subscriptionItem(store, it, r.id)), has_more: false,
    url: '/v1/subscription_items?subscription=' + r.id };
  return o;
}

function invoiceLine(store, inv, l) {
  const o = fixture('line_item');
  Object.assign(o, {
    id: l.id, amount: l.amount, currency: inv.currency, description: l.description, discount_amounts: [],
    discountable: true, discounts: [], invoice: inv.id, livemode: false, metadata: {},
    period: { start: l.periodStart, end: l.periodEnd }, quantity: l.quantity, subscription: inv.subscription || null,
    pretax_credit_amounts: [], taxes: [], subtotal: l.amount, quantity_decimal: String(l.quantity),
  });
  if (l.discountAmounts) o.discount_amounts = l.discountAmounts.map(d => ({ amount: d.amount, discount: d.discount }));
  o.pricing = { type: 'price_details', price_details: { price: l.price, product: store.collection('prices').get(l.price).product },
    unit_amount_decimal: l.unitAmountDecimal };
  if (l.siId) {
    o.parent = { type: 'subscription_item_details', invoice_item_details: null,
      subscription_item_details: { invoice_item: l.invoiceItem || null, proration: !!l.proration, proration_details: { credited_items: null },
        subscription: inv.subscription, subscription_item: l.siId } };
  } else {
    o.parent = { type: 'invoice_item_details', subscription_item_details: null,
      invoice_item_details: { invoice_item: 'ii_' + l.id.slice(3), proration: false, proration_details: { credited_items: null }, subscription: null } };
  }
  return o;
}

function invoice(store, r, expand) {
  const cus = store.collection('customers').get(r.customer);
  const base = store.meta.publicBase || '';
  const o = fixture('invoice');
  const finalized = r.status !== 'draft' && !r.preview;
  const due = r.amountDue != null ? r.amountDue : r.total;
  const subtotal = r.subtotal != null ? r.subtotal : r.total;
  Object.assign(o, {
    id: r.id, created: r.created, customer: r.customer, currency: r.currency, status: r.status,
    number: r.number || null, account_country: 'US', account_name: 'Billing Console Demo', account_tax_ids: null,
    amount_due: due, amount_paid: r.amountPaid, amount_remaining: r.status === 'paid' || r.status === 'void' ? 0 : due - r.amountPaid,
    amount_shipping: 0, amount_overpaid: 0, application: null, attempt_count: r.attemptCount, attempted: r.attemptCount > 0,
    auto_advance: r.status === 'draft' || r.status === 'open', billing_reason: r.billingReason,
    collection_method: r.collectionMethod, custom_fields: null,
    customer_address: cus && cus.address ? Object.assign(nullAddress(), cus.address) : null,
    customer_email: cus ? cus.email : null, customer_name: cus ? cus.name : null, customer_phone: null,
    customer_shipping: null, customer_tax_exempt: 'none', customer_tax_ids: [], default_payment_method: null,
    default_source: null, default_tax_rates: [], description: r.description || null, discounts: (r.discounts || []).slice(),
    due_date: r.dueDate || null, effective_at: r.finalizedAt || null, ending_balance: finalized ? (r.endingBalance || 0) : null,
    footer: null, from_invoice: null, hosted_invoice_url: finalized ? base + '/invoice/' + r.id : null,
    invoice_pdf: finalized ? base + '/invoice/' + r.id + '/pdf' : null, last_finalization_error: null,
    latest_revision: null, livemode: false, metadata: Object.assign({}, r.metadata), next_payment_attempt: r.nextPaymentAttempt || null,
    on_behalf_of: null, period_start: r.periodStart, period_end: r.periodEnd, post_payment_credit_notes_amount: r.postCreditNotes || 0,
    pre_payment_credit_notes_amount: r.preCreditNotes || 0, receipt_number: null, shipping_cost: null, shipping_details: null,
    starting_balance: r.startingBalance || 0, statement_descriptor: null, subtotal, subtotal_excluding_tax: subtotal,
    test_clock: null, total: r.total, total_discount_amounts: (r.discountAmounts || []).map(d => ({ amount: d.amount, discount: d.discount })), total_excluding_tax: r.total,
    webhooks_delivered_at: r.preview ? null : r.created, automatically_finalizes_at: r.status === 'draft' && !r.preview ? r.created + 3600 : null,
    total_pretax_credit_amounts: [], total_taxes: [], customer_account: null,
  });
  o.automatic_tax = { enabled: false, liability: null, status: null, disabled_reason: null, provider: null };
  o.payment_settings = { default_mandate: null, payment_method_options: null, payment_method_types: null };
  o.rendering = { amount_tax_display: null, pdf: { page_size: 'auto' }, template: null, template_version: null };
  o.status_transitions = { finalized_at: r.finalizedAt || null, marked_uncollectible_at: r.uncollectibleAt || null,
    paid_at: r.paidAt || null, voided_at: r.voidedAt || null };
  o.parent = r.subscription
    ? { type: 'subscription_details', quote_details: null, subscription_details: { metadata: {}, subscription: r.subscription } }
    : null;
  o.subscription = null; // as in the fixture: since basil, parent.subscription_details.subscription names it
  const lines = r.lines.map(l => invoiceLine(store, r, l));
  o.lines = { object: 'list', data: lines.slice(0, 10), has_more: lines.length > 10, url: '/v1/invoices/' + r.id + '/lines' };
  if (r.preview) { o.id = r.id; o.number = null; o.lines.url = '/v1/invoices/' + r.id + '/lines'; }
  if (expand && expand.has('payments')) {
    const pays = store.collection('invoice_payments').candidates({ invoice: r.id });
    o.payments = { object: 'list', data: pays.map(p => invoicePayment(store, p)), has_more: false, url: '/v1/invoice_payments?invoice=' + r.id };
  }
  return o;
}

function invoicePayment(store, r) {
  const o = fixture('invoice_payment');
  Object.assign(o, {
    id: r.id, created: r.created, invoice: r.invoice, amount_requested: r.amountRequested,
    amount_paid: r.amountPaid, currency: r.currency, is_default: r.isDefault !== false, livemode: false, status: r.status,
  });
  o.payment = { type: 'payment_intent', payment_intent: r.paymentIntent };
  o.status_transitions = { canceled_at: r.canceledAt || null, paid_at: r.paidAt || null };
  return o;
}

function paymentIntent(store, r) {
  const o = fixture('payment_intent');
  Object.assign(o, {
    id: r.id, created: r.created, amount: r.amount, amount_capturable: 0, amount_details: { tip: {} },
    amount_received: r.amountReceived, automatic_payment_methods: null, canceled_at: r.canceledAt || null,
    cancellation_reason: r.cancellationReason || null, client_secret: r.id + '_secret_' + r.id.slice(3).split('').reverse().join(''),
    currency: r.currency, customer: r.customer, description: r.description || null, latest_charge: r.latestCharge || null,
    livemode: false, metadata: {}, next_action: null, payment_method: r.paymentMethod || null,
    payment_method_configuration_details: null, payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    processing: null, receipt_email: null, review: null, setup_future_usage: 'off_session', shipping: null,
    statement_descriptor: null, statement_descriptor_suffix: null, status: r.status, transfer_data: null,
    transfer_group: null, source: null, excluded_payment_method_types: null, customer_account: null,
    managed_payments: { enabled: false },
  });
  o.last_payment_error = r.lastError ? {
    type: 'card_error', code: r.lastError.code, decline_code: r.lastError.decline_code || undefined,
    message: r.lastError.message, charge: r.lastError.charge, doc_url: 'https://docs.stripe.com/error-codes/' + r.lastError.code.replace(/_/g, '-'),
    payment_method: r.paymentMethod ? paymentMethod(store, store.collection('payment_methods').get(r.paymentMethod)) : undefined,
  } : null;
  if (o.last_payment_error && !o.last_payment_error.decline_code) delete o.last_payment_error.decline_code;
  return o;
}

function paymentMethod(store, r) {
  const o = fixture('payment_method');
  Object.assign(o, { id: r.id, created: r.created, customer: r.customer, livemode: false, metadata: {}, type: 'card',
    allow_redisplay: 'always', customer_account: null });
  o.billing_details = { address: Object.assign(nullAddress(), r.address || {}), email: r.email, name: r.name, phone: null, tax_id: null };
  Object.assign(o.card, { brand: r.brand, display_brand: r.brand, country: r.country, exp_month: r.expMonth, exp_year: r.expYear,
    fingerprint: r.fingerprint, funding: r.funding, last4: r.last4, generated_from: null, wallet: null, regulated_status: 'unregulated' });
  o.card.checks = { address_line1_check: null, address_postal_code_check: 'pass', cvc_check: 'pass' };
  o.card.networks = { available: [r.brand], preferred: null };
  if (r.type === 'us_bank_account') { // bank accounts (payment methods work, routes/invoicing.js)
    delete o.card;
    Object.assign(o, { type: 'us_bank_account', us_bank_account: { account_holder_type: r.accountHolderType, account_type: r.accountType,
      bank_name: r.bankName, financial_connections_account: null, fingerprint: r.fingerprint, last4: r.last4,
      networks: { preferred: 'ach', supported: ['ach'] }, routing_number: r.routingNumber, status_details: null } });
  }
  return o;
}

function charge(store, r) {
  const pi = store.collection('payment_intents').get(r.paymentIntent);
  const pm = pi && pi.paymentMethod ? store.collection('payment_methods').get(pi.paymentMethod) : null;
  const inv = pi && pi.invoice ? store.collection('invoices').get(pi.invoice) : null;
  const o = fixture('charge');
  const amount = pi ? pi.amount : 0;
  Object.assign(o, {
    id: r.id, created: r.created, amount, amount_captured: amount, amount_refunded: r.amountRefunded || 0,
    application: null, application_fee: null, application_fee_amount: null, balance_transaction: 'txn_' + r.id.slice(3),
    calculated_statement_descriptor: 'BILLING CONSOLE DEMO', captured: true, currency: pi ? pi.currency : 'usd',
    customer: pi ? pi.customer : null, description: pi ? pi.description || null : null, disputed: false,
    failure_balance_transaction: null, failure_code: null, failure_message: null, fraud_details: {}, livemode: false,
    metadata: {}, on_behalf_of: null, paid: true, payment_intent: r.paymentIntent, payment_method: pm ? pm.id : null,
    receipt_email: null, receipt_number: null, receipt_url: (store.meta.publicBase || '') + '/receipts/' + r.id,
    refunded: (r.amountRefunded || 0) >= amount && amount > 0, review: null, shipping: null, source_transfer: null,
    statement_descriptor: null, statement_descriptor_suffix: null, status: 'succeeded', transfer_data: null, transfer_group: null, source: null,
  });
  o.billing_details = { address: Object.assign(nullAddress(), pm && pm.address ? pm.address : {}), email: pm ? pm.email : null,
    name: pm ? pm.name : null, phone: null, tax_id: null };
  o.outcome = { advice_code: null, network_advice_code: null, network_decline_code: null, network_status: 'approved_by_network',
    reason: null, risk_level: 'normal', risk_score: 32, seller_message: 'Payment complete.', type: 'authorized' };
  o.payment_method_details = pm ? { type: 'card', card: { brand: pm.brand, country: pm.country, exp_month: pm.expMonth, exp_year: pm.expYear,
    fingerprint: pm.fingerprint, funding: pm.funding, last4: pm.last4, network: pm.brand, three_d_secure: null, wallet: null,
    checks: { address_line1_check: null, address_postal_code_check: 'pass', cvc_check: 'pass' }, installments: null, mandate: null } } : null;
  const refunds = store.collection('refunds').candidates({ charge: r.id });
  o.refunds = { object: 'list', data: refunds.slice(0, 10).map(x => refund(store, x)), has_more: refunds.length > 10, url: `/v1/charges/${r.id}/refunds` };
  void inv;
  return o;
}

function refund(store, r) {
  const o = fixture('refund');
  Object.assign(o, { id: r.id, created: r.created, amount: r.amount, charge: r.charge, currency: r.currency,
    payment_intent: r.paymentIntent || null, reason: r.reason || null, metadata: Object.assign({}, r.metadata), status: r.status || 'succeeded',
    balance_transaction: 'txn_' + r.id.slice(3), receipt_number: null, source_transfer_reversal: null, transfer_reversal: null,
    customer: null, customer_account: null, payment_method: null });
  o.destination_details = { card: { reference: null, reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' };
  return o;
}

function coupon(store, r, expand) {
  const o = fixture('coupon');
  Object.assign(o, { id: r.id, created: r.created, name: r.name, percent_off: r.percentOff, amount_off: r.amountOff,
    currency: r.currency, duration: r.duration, duration_in_months: r.duration === 'repeating' ? r.durationInMonths : null,
    max_redemptions: r.maxRedemptions, redeem_by: r.redeemBy, times_redeemed: r.timesRedeemed, metadata: Object.assign({}, r.metadata),
    livemode: false, valid: couponValid(store, r) });
  if (r.deleted) return { id: r.id, object: 'coupon', deleted: true };
  o.applies_to = undefined; delete o.applies_to;
  if (expand && expand.has('currency_options') && r.currencyOptions) o.currency_options = JSON.parse(JSON.stringify(r.currencyOptions));
  return o;
}

function couponValid(store, r) {
  if (r.deleted) return false;
  if (r.redeemBy && r.redeemBy < store.meta.now) return false;
  if (r.maxRedemptions != null && r.timesRedeemed >= r.maxRedemptions) return false;
  return true;
}

function promotionCode(store, r, expand) {
  const o = fixture('promotion_code');
  Object.assign(o, { id: r.id, created: r.created, code: r.code, active: !!r.active, customer: r.customer || null,
    expires_at: r.expiresAt || null, max_redemptions: r.maxRedemptions, times_redeemed: r.timesRedeemed,
    metadata: Object.assign({}, r.metadata), livemode: false, customer_account: null });
  o.restrictions = { first_time_transaction: !!r.firstTime, minimum_amount: r.minAmount || null, minimum_amount_currency: r.minAmountCurrency || null };
  const c = store.collection('coupons').get(r.coupon);
  o.promotion = { type: 'coupon', coupon: expand && expand.has('promotion') && c ? coupon(store, c) : r.coupon };
  return o;
}

function event(store, r) {
  const o = fixture('event');
  Object.assign(o, { id: r.id, created: r.created, type: r.type, livemode: false, pending_webhooks: 0,
    api_version: store.meta.apiVersion, request: { id: r.requestId || null, idempotency_key: r.idempotencyKey || null } });
  let object = r.object;
  if (!object && r.ref) {
    const rec = store.collection(r.ref.kind).get(r.ref.id);
    object = rec ? RENDERERS[r.ref.kind](store, rec, new Set()) : { id: r.ref.id };
  }
  o.data = { object };
  if (r.previous) o.data.previous_attributes = r.previous;
  return o;
}

function account(store) {
  const o = fixture('account');
  Object.assign(o, { id: store.meta.accountId, email: 'billing-demo@example.com', country: 'US', default_currency: 'usd',
    charges_enabled: true, payouts_enabled: true, details_submitted: true, created: store.meta.now - 3 * 365 * 86400, metadata: {} });
  o.business_profile.name = 'Billing Console Demo';
  o.settings.dashboard = { display_name: 'Billing Console Demo', timezone: 'Etc/UTC' };
  o.external_accounts.url = '/v1/accounts/' + o.id + '/external_accounts';
  o.requirements = Object.assign(o.requirements, { currently_due: [], eventually_due: [], disabled_reason: null });
  return o;
}

// Pending (or invoiced) invoice items: prorations of subscription changes.
function invoiceItem(store, r) {
  const o = fixture('invoiceitem');
  Object.assign(o, { id: r.id, amount: r.amount, currency: r.currency, customer: r.customer, date: r.created, description: r.description,
    discountable: !r.proration, discounts: [], invoice: r.invoice || null, livemode: false, metadata: {}, period: { start: r.periodStart, end: r.periodEnd },
    proration: !!r.proration, quantity: r.quantity, tax_rates: [], test_clock: null, net_amount: r.amount, customer_account: null,
    quantity_decimal: String(r.quantity) });
  o.parent = r.subscription ? { type: 'subscription_details', subscription_details: { subscription: r.subscription, subscription_item: r.siId || null } } : null;
  o.pricing = { type: 'price_details', price_details: { price: r.price, product: (store.collection('prices').get(r.price) || {}).product || null },
    unit_amount_decimal: r.unitAmountDecimal != null ? r.unitAmountDecimal : null };
  return o;
}

function creditNoteLine(store, cn, l) {
  const o = fixture('credit_note_line_item');
  Object.assign(o, { id: l.id, amount: l.amount, description: l.description, discount_amount: 0, discount_amounts: [],
    invoice_line_item: l.invoiceLineItem || undefined, livemode: false, quantity: l.quantity, tax_rates: [], type: l.type,
    unit_amount: l.unitAmount != null ? l.unitAmount : null, unit_amount_decimal: l.unitAmount != null ? String(l.unitAmount) : null,
    pretax_credit_amounts: [], taxes: [], metadata: {} });
  if (l.type !== 'invoice_line_item') delete o.invoice_line_item;
  return o;
}

function creditNote(store, r) {
  const o = fixture('credit_note');
  Object.assign(o, { id: r.id, amount: r.amount, amount_shipping: 0, created: r.created, currency: r.currency, customer: r.customer,
    customer_balance_transaction: r.balanceTxn || null, discount_amount: 0, discount_amounts: [], effective_at: r.created, invoice: r.invoice,
    livemode: false, memo: r.memo || null, metadata: Object.assign({}, r.metadata), number: r.number, out_of_band_amount: r.outOfBand || null,
    pdf: (store.meta.publicBase || '') + '/credit_notes/' + r.id + '/pdf', reason: r.reason || null, shipping_cost: null, status: r.status,
    subtotal: r.amount, subtotal_excluding_tax: r.amount, total: r.amount, total_excluding_tax: r.amount, type: r.type,
    voided_at: r.voidedAt || null, pretax_credit_amounts: [], total_taxes: [], customer_account: null,
    post_payment_amount: r.type === 'post_payment' ? r.amount : 0, pre_payment_amount: r.type === 'pre_payment' ? r.amount : 0 });
  o.refunds = (r.refunds || []).map(x => ({ amount_refunded: x.amount, refund: x.refund, payment_record_refund: null, type: 'refund' }));
  o.lines = { object: 'list', data: r.lines.slice(0, 10).map(l => creditNoteLine(store, r, l)), has_more: r.lines.length > 10,
    url: '/v1/credit_notes/' + r.id + '/lines' };
  if (r.preview) o.pdf = null;
  return o;
}

function customerBalanceTransaction(store, r) {
  const o = fixture('customer_balance_transaction');
  Object.assign(o, { id: r.id, amount: r.amount, created: r.created, credit_note: r.creditNote || null, currency: r.currency, customer: r.customer,
    description: r.description || null, ending_balance: r.endingBalance, invoice: r.invoice || null, livemode: false,
    metadata: r.metadata ? Object.assign({}, r.metadata) : null, type: r.type, checkout_session: null, customer_account: null });
  return o;
}

function schedulePhase(store, sub, ph) {
  return { add_invoice_items: [], application_fee_percent: null, billing_cycle_anchor: null, collection_method: null, currency: ph.currency,
    default_payment_method: null, default_tax_rates: [], description: null, discounts: [], end_date: ph.endDate,
    invoice_settings: null, items: ph.items.map(it => {
      const p = store.collection('prices').get(it.price);
      return { discounts: [], metadata: {}, price: it.price, quantity: it.quantity, tax_rates: [], plan: p ? planFromPrice(p) : null, billing_thresholds: null };
    }), metadata: {}, on_behalf_of: null, proration_behavior: ph.prorationBehavior || 'create_prorations', start_date: ph.startDate,
    transfer_data: null, trial_end: ph.trialEnd || null, billing_thresholds: null };
}

function subscriptionSchedule(store, r) {
  const o = fixture('subscription_schedule');
  const cur = r.status === 'active' ? r.phases[r.currentPhase || 0] : null;
  Object.assign(o, { id: r.id, application: null, canceled_at: r.canceledAt || null, completed_at: r.completedAt || null, created: r.created,
    current_phase: cur ? { start_date: cur.startDate, end_date: cur.endDate } : null, customer: r.customer, end_behavior: r.endBehavior,
    livemode: false, metadata: Object.assign({}, r.metadata), phases: r.phases.map(ph => schedulePhase(store, r, ph)),
    released_at: r.releasedAt || null, released_subscription: r.releasedSubscription || null, status: r.status,
    subscription: r.subscription || null, test_clock: null, billing_mode: { type: 'classic' }, customer_account: null });
  o.default_settings = { application_fee_percent: null, automatic_tax: { enabled: false, liability: null, disabled_reason: null },
    billing_cycle_anchor: 'automatic', collection_method: r.collectionMethod || 'charge_automatically', default_payment_method: null,
    description: null, invoice_settings: { account_tax_ids: null, days_until_due: null, issuer: { type: 'self' } }, on_behalf_of: null,
    transfer_data: null, billing_thresholds: null };
  return o;
}

const RENDERERS = {
  customers: customer, products: product, prices: price, subscriptions: subscription, invoices: invoice,
  invoice_payments: invoicePayment, payment_intents: paymentIntent, payment_methods: paymentMethod, events: event,
  charges: charge, refunds: refund, coupons: coupon, promotion_codes: promotionCode,
  invoiceitems: invoiceItem, credit_notes: creditNote, customer_balance_transactions: customerBalanceTransaction,
  subscription_schedules: subscriptionSchedule,
};

function render(store, kind, rec, expand) { return RENDERERS[kind](store, rec, expand); }

module.exports = { render, account, customer, subscription, invoice, creditNoteLine, invoiceLine, RENDERERS };
