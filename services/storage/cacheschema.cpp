#include "services/storage/cacheschema.h"

namespace Billing::CacheSchema {

namespace {

// Version 1: the Stripe objects the console shows. Text columns are NOT NULL (empty when Stripe
// sends nothing) so sorting and keyset cursors never meet a NULL string; timestamps are unix
// seconds, NULL when absent; amounts are minor units of the row's currency.
QStringList version1()
{
    return {
        QStringLiteral("CREATE TABLE meta ("
                       " key TEXT NOT NULL PRIMARY KEY,"
                       " value TEXT NOT NULL DEFAULT '') WITHOUT ROWID"),
        QStringLiteral("CREATE TABLE customers ("
                       " id TEXT NOT NULL PRIMARY KEY CHECK (length(id) > 0),"
                       " name TEXT NOT NULL DEFAULT '',"
                       " email TEXT NOT NULL DEFAULT '',"
                       " currency TEXT NOT NULL DEFAULT '',"
                       " balance INTEGER NOT NULL DEFAULT 0,"
                       " delinquent INTEGER NOT NULL DEFAULT 0,"
                       " default_payment_method TEXT NOT NULL DEFAULT '',"
                       " description TEXT NOT NULL DEFAULT '',"
                       " phone TEXT NOT NULL DEFAULT '',"
                       " country TEXT NOT NULL DEFAULT '',"
                       " created INTEGER,"
                       " livemode INTEGER NOT NULL DEFAULT 0,"
                       " metadata TEXT NOT NULL DEFAULT '{}')"),
        QStringLiteral("CREATE TABLE products ("
                       " id TEXT NOT NULL PRIMARY KEY CHECK (length(id) > 0),"
                       " name TEXT NOT NULL DEFAULT '',"
                       " description TEXT NOT NULL DEFAULT '',"
                       " active INTEGER NOT NULL DEFAULT 1,"
                       " default_price TEXT NOT NULL DEFAULT '',"
                       " created INTEGER)"),
        QStringLiteral("CREATE TABLE prices ("
                       " id TEXT NOT NULL PRIMARY KEY CHECK (length(id) > 0),"
                       " product_id TEXT NOT NULL DEFAULT '',"
                       " currency TEXT NOT NULL DEFAULT '',"
                       " nickname TEXT NOT NULL DEFAULT '',"
                       " lookup_key TEXT NOT NULL DEFAULT '',"
                       " active INTEGER NOT NULL DEFAULT 1,"
                       " type TEXT NOT NULL DEFAULT '',"
                       " billing_scheme TEXT NOT NULL DEFAULT '',"
                       " tiers_mode TEXT NOT NULL DEFAULT '',"
                       " unit_amount INTEGER,"
                       " unit_amount_decimal TEXT NOT NULL DEFAULT '',"
                       " interval TEXT NOT NULL DEFAULT '',"
                       " interval_count INTEGER NOT NULL DEFAULT 0,"
                       " usage_type TEXT NOT NULL DEFAULT '',"
                       " trial_period_days INTEGER,"
                       " tiers TEXT NOT NULL DEFAULT '[]'," // JSON array of tiers, decimals as strings
                       " created INTEGER)"),
        QStringLiteral("CREATE INDEX prices_product ON prices (product_id)"),
        QStringLiteral("CREATE TABLE subscriptions ("
                       " id TEXT NOT NULL PRIMARY KEY CHECK (length(id) > 0),"
                       " customer_id TEXT NOT NULL DEFAULT '',"
                       " status TEXT NOT NULL DEFAULT '',"
                       " currency TEXT NOT NULL DEFAULT '',"
                       " collection_method TEXT NOT NULL DEFAULT '',"
                       " default_payment_method TEXT NOT NULL DEFAULT '',"
                       " latest_invoice TEXT NOT NULL DEFAULT '',"
                       " cancel_at_period_end INTEGER NOT NULL DEFAULT 0,"
                       " created INTEGER,"
                       " start_date INTEGER,"
                       " cancel_at INTEGER,"
                       " canceled_at INTEGER,"
                       " ended_at INTEGER,"
                       " trial_start INTEGER,"
                       " trial_end INTEGER,"
                       " pause_behavior TEXT NOT NULL DEFAULT '',"
                       " pause_resumes_at INTEGER,"
                       " cancellation_feedback TEXT NOT NULL DEFAULT '')"),
        QStringLiteral("CREATE INDEX subscriptions_customer ON subscriptions (customer_id)"),
        QStringLiteral("CREATE TABLE subscription_items ("
                       " id TEXT NOT NULL PRIMARY KEY CHECK (length(id) > 0),"
                       " subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,"
                       " position INTEGER NOT NULL DEFAULT 0,"
                       " price_id TEXT NOT NULL DEFAULT '',"
                       " quantity INTEGER NOT NULL DEFAULT 1,"
                       " current_period_start INTEGER,"
                       " current_period_end INTEGER)"),
        QStringLiteral("CREATE INDEX subscription_items_subscription ON subscription_items (subscription_id, position)"),
        QStringLiteral("CREATE INDEX subscription_items_price ON subscription_items (price_id)"),
        // customer_name/customer_email copy the customer row (kept in step by upsertCustomers) so
        // the invoice table can sort by customer through an index.
        QStringLiteral("CREATE TABLE invoices ("
                       " id TEXT NOT NULL PRIMARY KEY CHECK (length(id) > 0),"
                       " number TEXT NOT NULL DEFAULT '',"
                       " customer_id TEXT NOT NULL DEFAULT '',"
                       " customer_name TEXT NOT NULL DEFAULT '',"
                       " customer_email TEXT NOT NULL DEFAULT '',"
                       " subscription_id TEXT NOT NULL DEFAULT '',"
                       " status TEXT NOT NULL DEFAULT '',"
                       " currency TEXT NOT NULL DEFAULT '',"
                       " collection_method TEXT NOT NULL DEFAULT '',"
                       " billing_reason TEXT NOT NULL DEFAULT '',"
                       " subtotal INTEGER NOT NULL DEFAULT 0,"
                       " total INTEGER NOT NULL DEFAULT 0,"
                       " amount_due INTEGER NOT NULL DEFAULT 0,"
                       " amount_paid INTEGER NOT NULL DEFAULT 0,"
                       " amount_remaining INTEGER NOT NULL DEFAULT 0,"
                       " attempt_count INTEGER NOT NULL DEFAULT 0,"
                       " attempted INTEGER NOT NULL DEFAULT 0,"
                       " created INTEGER,"
                       " due_date INTEGER,"
                       " period_start INTEGER,"
                       " period_end INTEGER,"
                       " next_payment_attempt INTEGER,"
                       " paid_at INTEGER,"
                       " hosted_invoice_url TEXT NOT NULL DEFAULT '',"
                       " invoice_pdf TEXT NOT NULL DEFAULT '')"),
        QStringLiteral("CREATE TABLE invoice_lines ("
                       " invoice_id TEXT NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,"
                       " id TEXT NOT NULL CHECK (length(id) > 0),"
                       " position INTEGER NOT NULL DEFAULT 0,"
                       " description TEXT NOT NULL DEFAULT '',"
                       " amount INTEGER NOT NULL DEFAULT 0,"
                       " currency TEXT NOT NULL DEFAULT '',"
                       " quantity INTEGER NOT NULL DEFAULT 0,"
                       " price_id TEXT NOT NULL DEFAULT '',"
                       " proration INTEGER NOT NULL DEFAULT 0,"
                       " period_start INTEGER,"
                       " period_end INTEGER,"
                       " PRIMARY KEY (invoice_id, id))"),
        QStringLiteral("CREATE TABLE payment_attempts ("
                       " id TEXT NOT NULL PRIMARY KEY CHECK (length(id) > 0),"
                       " invoice_id TEXT NOT NULL DEFAULT '',"
                       " payment_intent_id TEXT NOT NULL DEFAULT '',"
                       " status TEXT NOT NULL DEFAULT '',"
                       " intent_status TEXT NOT NULL DEFAULT '',"
                       " failure_code TEXT NOT NULL DEFAULT '',"
                       " decline_code TEXT NOT NULL DEFAULT '',"
                       " failure_message TEXT NOT NULL DEFAULT '',"
                       " amount INTEGER NOT NULL DEFAULT 0,"
                       " currency TEXT NOT NULL DEFAULT '',"
                       " created INTEGER)"),
        QStringLiteral("CREATE INDEX payment_attempts_invoice ON payment_attempts (invoice_id, created)"),
    };
}

// Version 2: FTS5 customer search, the subscription row view and one index per sort key, so a page
// query (keyset + ORDER BY + LIMIT) reads an index instead of sorting the table.
QStringList version2()
{
    const QString nullTime = QString::number(NullTimeSentinel);
    const auto t = [&nullTime](const char *column) {
        return QStringLiteral("COALESCE(%1, %2)").arg(QLatin1String(column), nullTime);
    };
    QStringList s{
        QStringLiteral("CREATE VIRTUAL TABLE customers_fts USING fts5("
                       "name, email, id, description, phone,"
                       " content='customers', content_rowid='rowid',"
                       " tokenize='unicode61 remove_diacritics 2', prefix='2 3')"),
        QStringLiteral("CREATE TRIGGER customers_fts_ai AFTER INSERT ON customers BEGIN"
                       " INSERT INTO customers_fts (rowid, name, email, id, description, phone)"
                       " VALUES (new.rowid, new.name, new.email, new.id, new.description, new.phone); END"),
        QStringLiteral("CREATE TRIGGER customers_fts_ad AFTER DELETE ON customers BEGIN"
                       " INSERT INTO customers_fts (customers_fts, rowid, name, email, id, description, phone)"
                       " VALUES ('delete', old.rowid, old.name, old.email, old.id, old.description, old.phone); END"),
        QStringLiteral("CREATE TRIGGER customers_fts_au AFTER UPDATE ON customers BEGIN"
                       " INSERT INTO customers_fts (customers_fts, rowid, name, email, id, description, phone)"
                       " VALUES ('delete', old.rowid, old.name, old.email, old.id, old.description, old.phone);"
                       " INSERT INTO customers_fts (rowid, name, email, id, description, phone)"
                       " VALUES (new.rowid, new.name, new.email, new.id, new.description, new.phone); END"),
        QStringLiteral("INSERT INTO customers_fts (customers_fts) VALUES ('rebuild')"),

        QStringLiteral("CREATE INDEX customers_by_name ON customers (name COLLATE NOCASE, id)"),
        QStringLiteral("CREATE INDEX customers_by_email ON customers (email COLLATE NOCASE, id)"),
        QStringLiteral("CREATE INDEX customers_by_created ON customers (%1, id)").arg(t("created")),
        QStringLiteral("CREATE INDEX customers_by_balance ON customers (balance, id)"),
        QStringLiteral("CREATE INDEX customers_by_currency ON customers (currency, id)"),

        QStringLiteral("CREATE INDEX subscriptions_by_status ON subscriptions (status, id)"),
        QStringLiteral("CREATE INDEX subscriptions_by_created ON subscriptions (%1, id)").arg(t("created")),
        QStringLiteral("CREATE INDEX subscriptions_by_trial_end ON subscriptions (%1, id)").arg(t("trial_end")),

        QStringLiteral("CREATE INDEX invoices_by_number ON invoices (number COLLATE NOCASE, id)"),
        QStringLiteral("CREATE INDEX invoices_by_customer_name ON invoices (customer_name COLLATE NOCASE, id)"),
        QStringLiteral("CREATE INDEX invoices_by_status ON invoices (status, id)"),
        QStringLiteral("CREATE INDEX invoices_by_total ON invoices (total, id)"),
        QStringLiteral("CREATE INDEX invoices_by_amount_due ON invoices (amount_due, id)"),
        QStringLiteral("CREATE INDEX invoices_by_amount_remaining ON invoices (amount_remaining, id)"),
        QStringLiteral("CREATE INDEX invoices_by_created ON invoices (%1, id)").arg(t("created")),
        QStringLiteral("CREATE INDEX invoices_by_due_date ON invoices (%1, id)").arg(t("due_date")),
        QStringLiteral("CREATE INDEX invoices_by_attempts ON invoices (attempt_count, id)"),
        QStringLiteral("CREATE INDEX invoices_by_next_attempt ON invoices (%1, id)").arg(t("next_payment_attempt")),
        QStringLiteral("CREATE INDEX invoices_by_customer ON invoices (customer_id, %1, id)").arg(t("created")),
        QStringLiteral("DROP INDEX payment_attempts_invoice"),
        QStringLiteral("CREATE INDEX payment_attempts_latest ON payment_attempts (invoice_id, created, id)"),
        QStringLiteral("CREATE INDEX invoices_dunning ON invoices (%1, id)"
                       " WHERE status = 'open' AND attempt_count > 0 AND amount_remaining > 0")
            .arg(t("next_payment_attempt")),

        // One row per subscription with what its table shows: customer, plan of the first item,
        // recurring amount over all items (unit_amount x quantity, minor units), first item's period.
        QStringLiteral(
            "CREATE VIEW subscription_rows AS SELECT s.*,"
            " COALESCE(c.name, '') AS customer_name,"
            " COALESCE(c.email, '') AS customer_email,"
            " COALESCE((SELECT CASE"
            "   WHEN COALESCE(p.name, '') <> '' AND COALESCE(pr.nickname, '') <> '' THEN p.name || ' · ' || pr.nickname"
            "   ELSE COALESCE(NULLIF(p.name, ''), NULLIF(pr.nickname, ''), i.price_id) END"
            "  FROM subscription_items i LEFT JOIN prices pr ON pr.id = i.price_id"
            "  LEFT JOIN products p ON p.id = pr.product_id"
            "  WHERE i.subscription_id = s.id ORDER BY i.position LIMIT 1), '') AS plan_name,"
            " COALESCE((SELECT SUM(COALESCE(pr.unit_amount, 0) * i.quantity)"
            "  FROM subscription_items i LEFT JOIN prices pr ON pr.id = i.price_id"
            "  WHERE i.subscription_id = s.id), 0) AS amount,"
            " COALESCE((SELECT pr.interval FROM subscription_items i JOIN prices pr ON pr.id = i.price_id"
            "  WHERE i.subscription_id = s.id ORDER BY i.position LIMIT 1), '') AS plan_interval,"
            " COALESCE((SELECT pr.interval_count FROM subscription_items i JOIN prices pr ON pr.id = i.price_id"
            "  WHERE i.subscription_id = s.id ORDER BY i.position LIMIT 1), 1) AS plan_interval_count,"
            " (SELECT i.current_period_end FROM subscription_items i"
            "  WHERE i.subscription_id = s.id ORDER BY i.position LIMIT 1) AS period_end"
            " FROM subscriptions s LEFT JOIN customers c ON c.id = s.customer_id"),
    };
    return s;
}

// Version 3: FTS5 invoice search (number, id and the customer name/email copies, kept in step by
// triggers, so a customer rename that rewrites its invoices' copies re-indexes them), and the
// payment methods, coupons and promotion codes the console shows. detail=none keeps the index
// small: searches are AND-ed prefix terms, never phrases or NEAR.
QStringList version3()
{
    return {
        QStringLiteral("CREATE VIRTUAL TABLE invoices_fts USING fts5("
                       "number, id, customer_name, customer_email,"
                       " content='invoices', content_rowid='rowid', detail=none,"
                       " tokenize='unicode61 remove_diacritics 2', prefix='2 3')"),
        QStringLiteral("CREATE TRIGGER invoices_fts_ai AFTER INSERT ON invoices BEGIN"
                       " INSERT INTO invoices_fts (rowid, number, id, customer_name, customer_email)"
                       " VALUES (new.rowid, new.number, new.id, new.customer_name, new.customer_email); END"),
        QStringLiteral("CREATE TRIGGER invoices_fts_ad AFTER DELETE ON invoices BEGIN"
                       " INSERT INTO invoices_fts (invoices_fts, rowid, number, id, customer_name, customer_email)"
                       " VALUES ('delete', old.rowid, old.number, old.id, old.customer_name, old.customer_email); END"),
        // Only when a searched column changes: a status or amount update leaves the index alone.
        QStringLiteral("CREATE TRIGGER invoices_fts_au AFTER UPDATE OF number, id, customer_name, customer_email"
                       " ON invoices WHEN old.number IS NOT new.number OR old.id IS NOT new.id"
                       " OR old.customer_name IS NOT new.customer_name OR old.customer_email IS NOT new.customer_email"
                       " BEGIN"
                       " INSERT INTO invoices_fts (invoices_fts, rowid, number, id, customer_name, customer_email)"
                       " VALUES ('delete', old.rowid, old.number, old.id, old.customer_name, old.customer_email);"
                       " INSERT INTO invoices_fts (rowid, number, id, customer_name, customer_email)"
                       " VALUES (new.rowid, new.number, new.id, new.customer_name, new.customer_email); END"),
        QStringLiteral("INSERT INTO invoices_fts (invoices_fts) VALUES ('rebuild')"),

        QStringLiteral("CREATE TABLE payment_methods ("
                       " id TEXT NOT NULL PRIMARY KEY CHECK (length(id) > 0),"
                       " customer_id TEXT NOT NULL DEFAULT '',"
                       " type TEXT NOT NULL DEFAULT '',"
                       " brand TEXT NOT NULL DEFAULT '',"
                       " last4 TEXT NOT NULL DEFAULT '',"
                       " exp_month INTEGER NOT NULL DEFAULT 0,"
                       " exp_year INTEGER NOT NULL DEFAULT 0,"
                       " bank_name TEXT NOT NULL DEFAULT '',"
                       " funding TEXT NOT NULL DEFAULT '',"
                       " created INTEGER)"),
        QStringLiteral("CREATE INDEX payment_methods_customer ON payment_methods (customer_id, %1, id)")
            .arg(QStringLiteral("COALESCE(created, %1)").arg(NullTimeSentinel)),
        // Cards by expiry month (year * 100 + month), for the expiring-cards list.
        QStringLiteral("CREATE INDEX payment_methods_expiry ON payment_methods (exp_year * 100 + exp_month, customer_id, id)"
                       " WHERE type = 'card'"),

        // percent_off is the decimal string Stripe sent; currency_options a JSON object of
        // currency -> amount_off (minor units, as strings so no value passes through a double).
        QStringLiteral("CREATE TABLE coupons ("
                       " id TEXT NOT NULL PRIMARY KEY CHECK (length(id) > 0),"
                       " name TEXT NOT NULL DEFAULT '',"
                       " percent_off TEXT NOT NULL DEFAULT '',"
                       " amount_off INTEGER,"
                       " currency TEXT NOT NULL DEFAULT '',"
                       " currency_options TEXT NOT NULL DEFAULT '{}',"
                       " duration TEXT NOT NULL DEFAULT '',"
                       " duration_in_months INTEGER,"
                       " max_redemptions INTEGER,"
                       " times_redeemed INTEGER NOT NULL DEFAULT 0,"
                       " redeem_by INTEGER,"
                       " valid INTEGER NOT NULL DEFAULT 1,"
                       " created INTEGER)"),
        QStringLiteral("CREATE TABLE promotion_codes ("
                       " id TEXT NOT NULL PRIMARY KEY CHECK (length(id) > 0),"
                       " code TEXT NOT NULL DEFAULT '',"
                       " coupon_id TEXT NOT NULL DEFAULT '',"
                       " customer_id TEXT NOT NULL DEFAULT '',"
                       " active INTEGER NOT NULL DEFAULT 1,"
                       " max_redemptions INTEGER,"
                       " times_redeemed INTEGER NOT NULL DEFAULT 0,"
                       " expires_at INTEGER,"
                       " first_time_transaction INTEGER NOT NULL DEFAULT 0,"
                       " minimum_amount INTEGER,"
                       " minimum_amount_currency TEXT NOT NULL DEFAULT '',"
                       " created INTEGER)"),
        QStringLiteral("CREATE INDEX promotion_codes_coupon ON promotion_codes (coupon_id, code COLLATE NOCASE, id)"),
        QStringLiteral("CREATE INDEX promotion_codes_code ON promotion_codes (code COLLATE NOCASE, id)"),
    };
}

// Version 4: what the price catalog and calculator need: package pricing (transform_quantity),
// the price in other currencies (currency_options: JSON object code -> {unit_amount,
// unit_amount_decimal, tiers}, integers as strings), metadata (a negotiated price names its
// customer), tax behaviour; a product's unit label and metadata.
QStringList version4()
{
    return {
        QStringLiteral("ALTER TABLE prices ADD COLUMN transform_divide_by INTEGER NOT NULL DEFAULT 0"),
        QStringLiteral("ALTER TABLE prices ADD COLUMN transform_round TEXT NOT NULL DEFAULT ''"),
        QStringLiteral("ALTER TABLE prices ADD COLUMN currency_options TEXT NOT NULL DEFAULT '{}'"),
        QStringLiteral("ALTER TABLE prices ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}'"),
        QStringLiteral("ALTER TABLE prices ADD COLUMN tax_behavior TEXT NOT NULL DEFAULT ''"),
        QStringLiteral("ALTER TABLE products ADD COLUMN unit_label TEXT NOT NULL DEFAULT ''"),
        QStringLiteral("ALTER TABLE products ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}'"),
    };
}

// Version 5: the customer's address state/province (for the customer's time zone in countries
// with several). Forgetting the event cursor makes the next sync a full one, which fills it in.
QStringList version5()
{
    return {
        QStringLiteral("ALTER TABLE customers ADD COLUMN region TEXT NOT NULL DEFAULT ''"),
        QStringLiteral("DELETE FROM meta WHERE key IN ('events_cursor_id', 'events_cursor_created')"),
    };
}

} // namespace

const QList<Migration> &migrations()
{
    static const QList<Migration> steps{
        {1, version1()},
        {2, version2()},
        {3, version3()},
        {4, version4()},
        {5, version5()},
    };
    return steps;
}

} // namespace Billing::CacheSchema
