#include "services/stripe/stripeparser.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QRegularExpression>
#include <QTimeZone>
#include <QVariant>

#include <cmath>
#include <limits>
#include <optional>

namespace Billing::StripeParser {

namespace {

// Reads fields of one JSON object, remembering the first problem (with the field's path).
class Reader
{
public:
    Reader(const QJsonObject &json, QString where) : m_json(json), m_where(std::move(where)) {}

    bool failed() const { return m_error.has_value(); }
    Error error() const { return *m_error; }
    const QJsonObject &json() const { return m_json; }

    void fail(const QString &field, const QString &what)
    {
        if (m_error)
            return;
        Error e;
        e.kind = Error::Kind::InvalidResponse;
        e.detail = QStringLiteral("%1.%2: %3").arg(m_where, field, what);
        e.userMessage = QCoreApplication::translate("Billing::StripeParser",
                                                    "Stripe sent data the console cannot read (%1.%2).")
                            .arg(m_where, field);
        m_error = e;
    }
    void failWith(const Error &e)
    {
        if (!m_error)
            m_error = e;
    }

    void expectObjectType(const QString &type)
    {
        const QJsonValue v = m_json.value(QLatin1String("object"));
        if (v.toString() != type)
            fail(QStringLiteral("object"), QStringLiteral("expected '%1', got '%2'").arg(type, v.toVariant().toString()));
    }

    QString string(const QString &key, bool required = false)
    {
        const QJsonValue v = m_json.value(key);
        if (v.isString()) {
            if (required && v.toString().isEmpty())
                fail(key, QStringLiteral("empty"));
            return v.toString();
        }
        if (v.isUndefined() || v.isNull()) {
            if (required)
                fail(key, QStringLiteral("missing"));
            return {};
        }
        fail(key, QStringLiteral("not a string"));
        return {};
    }

    std::optional<qint64> integer(const QJsonValue &v, const QString &key, bool required)
    {
        if (v.isUndefined() || v.isNull()) {
            if (required)
                fail(key, QStringLiteral("missing"));
            return std::nullopt;
        }
        if (!v.isDouble()) {
            fail(key, QStringLiteral("not a number"));
            return std::nullopt;
        }
        const QVariant var = v.toVariant();
        if (var.typeId() == QMetaType::LongLong)
            return var.toLongLong();
        const double d = v.toDouble();
        if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) >= 9.2e18) {
            fail(key, QStringLiteral("not an exact integer (%1)").arg(d, 0, 'g', 17));
            return std::nullopt;
        }
        return qint64(d);
    }
    std::optional<qint64> integer(const QString &key, bool required = false)
    {
        return integer(m_json.value(key), key, required);
    }
    qint64 amount(const QString &key, bool required = true) { return integer(key, required).value_or(0); }

    // A count or small number kept in an int (interval_count, attempt_count, ...): an integer in
    // [lo, hi], else a failure naming the field (4294967297 must not wrap around to 1).
    std::optional<int> smallInt(const QString &key, bool required = false, int lo = 0, int hi = std::numeric_limits<int>::max())
    {
        const auto v = integer(key, required);
        if (!v)
            return std::nullopt;
        if (*v < lo || *v > hi) {
            fail(key, QStringLiteral("%1 is out of range [%2, %3]").arg(*v).arg(lo).arg(hi));
            return std::nullopt;
        }
        return int(*v);
    }

    bool boolean(const QString &key)
    {
        const QJsonValue v = m_json.value(key);
        if (v.isBool())
            return v.toBool();
        if (!v.isUndefined() && !v.isNull())
            fail(key, QStringLiteral("not a boolean"));
        return false;
    }

    QDateTime time(const QString &key, bool required = false)
    {
        const auto secs = integer(key, required);
        return secs ? QDateTime::fromSecsSinceEpoch(*secs, Qt::UTC) : QDateTime();
    }

    QJsonObject object(const QString &key)
    {
        const QJsonValue v = m_json.value(key);
        if (v.isObject())
            return v.toObject();
        if (!v.isUndefined() && !v.isNull())
            fail(key, QStringLiteral("not an object"));
        return {};
    }

    // An id field that may also come expanded into the object.
    QString reference(const QString &key, bool required = false)
    {
        const QJsonValue v = m_json.value(key);
        if (v.isObject()) {
            const QString id = v.toObject().value(QLatin1String("id")).toString();
            if (id.isEmpty())
                fail(key, QStringLiteral("expanded object without id"));
            return id;
        }
        return string(key, required);
    }

    // Nested reader that reports paths as where.key.
    Reader child(const QString &key) { return Reader(object(key), m_where + QLatin1Char('.') + key); }

    QString currency(bool required)
    {
        const QString c = string(QStringLiteral("currency"), required);
        return c.toLower();
    }

    // A list object's data array ({"object":"list","data":[...]}), or a plain array.
    QJsonArray listData(const QString &key)
    {
        const QJsonValue v = m_json.value(key);
        if (v.isArray())
            return v.toArray();
        if (v.isObject()) {
            const QJsonValue data = v.toObject().value(QLatin1String("data"));
            if (data.isArray())
                return data.toArray();
            fail(key + QStringLiteral(".data"), QStringLiteral("not an array"));
            return {};
        }
        if (!v.isUndefined() && !v.isNull())
            fail(key, QStringLiteral("not a list"));
        return {};
    }

    void merge(const Reader &other)
    {
        if (other.failed())
            failWith(other.error());
    }

private:
    QJsonObject m_json;
    QString m_where;
    std::optional<Error> m_error;
};

// Decimal strings (unit_amount_decimal) are kept exactly; only their shape is checked.
QString decimalString(Reader &r, const QString &key)
{
    const QJsonValue v = r.json().value(key);
    if (v.isUndefined() || v.isNull())
        return {};
    if (!v.isString()) {
        r.fail(key, QStringLiteral("decimal is not a string"));
        return {};
    }
    const QString s = v.toString();
    static const QRegularExpression shape(QStringLiteral("^-?[0-9]+(\\.[0-9]{1,12})?$"));
    if (!shape.match(s).hasMatch())
        r.fail(key, QStringLiteral("not a decimal: '%1'").arg(s));
    return s;
}

} // namespace

Result<Customer> customer(const QJsonObject &json)
{
    Reader r(json, QStringLiteral("customer"));
    r.expectObjectType(QStringLiteral("customer"));
    Customer c;
    c.id = r.string(QStringLiteral("id"), true);
    c.name = r.string(QStringLiteral("name"));
    c.email = r.string(QStringLiteral("email"));
    c.currency = r.currency(false);
    c.balanceMinor = r.amount(QStringLiteral("balance"), false);
    c.delinquent = r.boolean(QStringLiteral("delinquent"));
    Reader settings = r.child(QStringLiteral("invoice_settings"));
    c.defaultPaymentMethod = settings.reference(QStringLiteral("default_payment_method"));
    r.merge(settings);
    c.description = r.string(QStringLiteral("description"));
    c.phone = r.string(QStringLiteral("phone"));
    Reader address = r.child(QStringLiteral("address"));
    c.country = address.string(QStringLiteral("country"));
    c.region = address.string(QStringLiteral("state"));
    r.merge(address);
    c.created = r.time(QStringLiteral("created"), true);
    c.livemode = r.boolean(QStringLiteral("livemode"));
    const QJsonObject meta = r.object(QStringLiteral("metadata"));
    for (auto it = meta.begin(); it != meta.end(); ++it)
        c.metadata.insert(it.key(), it.value().toVariant().toString());
    if (r.failed())
        return r.error();
    return c;
}

namespace {

// A price's (or a currency option's) tiers; up_to null or "inf" is the open last tier.
QList<PriceTier> priceTiers(Reader &r, const QString &key, const QString &where)
{
    QList<PriceTier> result;
    const QJsonArray tiers = r.listData(key);
    for (int i = 0; i < tiers.size(); ++i) {
        Reader t(tiers.at(i).toObject(), QStringLiteral("%1[%2]").arg(where).arg(i));
        PriceTier tier;
        if (!(t.json().value(QLatin1String("up_to")).toString() == QLatin1String("inf")))
            tier.upTo = t.integer(QStringLiteral("up_to"));
        tier.unitAmount = t.integer(QStringLiteral("unit_amount"));
        tier.unitAmountDecimal = decimalString(t, QStringLiteral("unit_amount_decimal"));
        tier.flatAmount = t.integer(QStringLiteral("flat_amount"));
        tier.flatAmountDecimal = decimalString(t, QStringLiteral("flat_amount_decimal"));
        r.merge(t);
        result << tier;
    }
    return result;
}

} // namespace

Result<Product> product(const QJsonObject &json)
{
    Reader r(json, QStringLiteral("product"));
    r.expectObjectType(QStringLiteral("product"));
    Product p;
    p.id = r.string(QStringLiteral("id"), true);
    p.name = r.string(QStringLiteral("name"));
    p.description = r.string(QStringLiteral("description"));
    p.active = json.contains(QLatin1String("active")) ? r.boolean(QStringLiteral("active")) : true;
    p.defaultPrice = r.reference(QStringLiteral("default_price"));
    p.unitLabel = r.string(QStringLiteral("unit_label"));
    const QJsonObject meta = r.object(QStringLiteral("metadata"));
    for (auto it = meta.begin(); it != meta.end(); ++it)
        p.metadata.insert(it.key(), it.value().toVariant().toString());
    p.created = r.time(QStringLiteral("created"));
    if (r.failed())
        return r.error();
    return p;
}

Result<Price> price(const QJsonObject &json)
{
    Reader r(json, QStringLiteral("price"));
    r.expectObjectType(QStringLiteral("price"));
    Price p;
    p.id = r.string(QStringLiteral("id"), true);
    p.productId = r.reference(QStringLiteral("product"), true);
    p.currency = r.currency(true);
    p.nickname = r.string(QStringLiteral("nickname"));
    p.lookupKey = r.string(QStringLiteral("lookup_key"));
    p.active = json.contains(QLatin1String("active")) ? r.boolean(QStringLiteral("active")) : true;
    p.type = r.string(QStringLiteral("type"));
    p.billingScheme = r.string(QStringLiteral("billing_scheme"));
    p.tiersMode = r.string(QStringLiteral("tiers_mode"));
    p.unitAmount = r.integer(QStringLiteral("unit_amount"));
    p.unitAmountDecimal = decimalString(r, QStringLiteral("unit_amount_decimal"));
    Reader recurring = r.child(QStringLiteral("recurring"));
    p.interval = recurring.string(QStringLiteral("interval"));
    p.intervalCount = recurring.smallInt(QStringLiteral("interval_count")).value_or(0);
    p.usageType = recurring.string(QStringLiteral("usage_type"));
    if (const auto days = recurring.smallInt(QStringLiteral("trial_period_days")))
        p.trialPeriodDays = *days;
    r.merge(recurring);
    p.tiers = priceTiers(r, QStringLiteral("tiers"), QStringLiteral("price.tiers"));
    if (json.value(QLatin1String("transform_quantity")).isObject()) {
        Reader tq = r.child(QStringLiteral("transform_quantity"));
        p.transformQuantity.divideBy = tq.integer(QStringLiteral("divide_by"), true).value_or(0);
        p.transformQuantity.round = tq.string(QStringLiteral("round"), true);
        if (!tq.failed() && p.transformQuantity.divideBy <= 0)
            tq.fail(QStringLiteral("divide_by"), QStringLiteral("must be positive"));
        if (!tq.failed() && p.transformQuantity.round != QLatin1String("up")
            && p.transformQuantity.round != QLatin1String("down"))
            tq.fail(QStringLiteral("round"), QStringLiteral("expected up or down"));
        r.merge(tq);
    }
    const QJsonObject options = r.object(QStringLiteral("currency_options"));
    for (auto it = options.begin(); it != options.end(); ++it) {
        const QString where = QStringLiteral("price.currency_options.") + it.key();
        Reader o(it.value().toObject(), where);
        PriceCurrencyOption option;
        option.unitAmount = o.integer(QStringLiteral("unit_amount"));
        option.unitAmountDecimal = decimalString(o, QStringLiteral("unit_amount_decimal"));
        option.tiers = priceTiers(o, QStringLiteral("tiers"), where + QStringLiteral(".tiers"));
        r.merge(o);
        p.currencyOptions.insert(it.key().toLower(), option);
    }
    const QJsonObject meta = r.object(QStringLiteral("metadata"));
    for (auto it = meta.begin(); it != meta.end(); ++it)
        p.metadata.insert(it.key(), it.value().toVariant().toString());
    p.taxBehavior = r.string(QStringLiteral("tax_behavior"));
    p.created = r.time(QStringLiteral("created"));
    if (r.failed())
        return r.error();
    return p;
}

Result<SubscriptionItem> subscriptionItem(const QJsonObject &json)
{
    Reader r(json, QStringLiteral("subscription_item"));
    r.expectObjectType(QStringLiteral("subscription_item"));
    SubscriptionItem item;
    item.id = r.string(QStringLiteral("id"), true);
    item.priceId = r.reference(QStringLiteral("price"));
    item.quantity = r.integer(QStringLiteral("quantity")).value_or(1);
    item.currentPeriodStart = r.time(QStringLiteral("current_period_start"));
    item.currentPeriodEnd = r.time(QStringLiteral("current_period_end"));
    if (r.failed())
        return r.error();
    return item;
}

Result<Subscription> subscription(const QJsonObject &json)
{
    Reader r(json, QStringLiteral("subscription"));
    r.expectObjectType(QStringLiteral("subscription"));
    Subscription s;
    s.id = r.string(QStringLiteral("id"), true);
    s.customerId = r.reference(QStringLiteral("customer"), true);
    s.status = r.string(QStringLiteral("status"), true);
    s.currency = r.currency(false);
    s.collectionMethod = r.string(QStringLiteral("collection_method"));
    s.defaultPaymentMethod = r.reference(QStringLiteral("default_payment_method"));
    s.latestInvoice = r.reference(QStringLiteral("latest_invoice"));
    s.cancelAtPeriodEnd = r.boolean(QStringLiteral("cancel_at_period_end"));
    s.created = r.time(QStringLiteral("created"));
    s.startDate = r.time(QStringLiteral("start_date"));
    s.cancelAt = r.time(QStringLiteral("cancel_at"));
    s.canceledAt = r.time(QStringLiteral("canceled_at"));
    s.endedAt = r.time(QStringLiteral("ended_at"));
    s.trialStart = r.time(QStringLiteral("trial_start"));
    s.trialEnd = r.time(QStringLiteral("trial_end"));
    Reader pause = r.child(QStringLiteral("pause_collection"));
    s.pauseBehavior = pause.string(QStringLiteral("behavior"));
    s.pauseResumesAt = pause.time(QStringLiteral("resumes_at"));
    r.merge(pause);
    Reader cancellation = r.child(QStringLiteral("cancellation_details"));
    s.cancellationFeedback = cancellation.string(QStringLiteral("feedback"));
    r.merge(cancellation);
    const QJsonArray items = r.listData(QStringLiteral("items"));
    for (const QJsonValue &v : items) {
        const auto item = subscriptionItem(v.toObject());
        if (!item.ok()) {
            r.failWith(item.error());
            break;
        }
        s.items << item.value();
    }
    if (r.failed())
        return r.error();
    return s;
}

Result<InvoiceLine> invoiceLine(const QJsonObject &json)
{
    Reader r(json, QStringLiteral("line_item"));
    r.expectObjectType(QStringLiteral("line_item"));
    InvoiceLine l;
    l.id = r.string(QStringLiteral("id"), true);
    l.description = r.string(QStringLiteral("description"));
    l.amountMinor = r.amount(QStringLiteral("amount"));
    l.currency = r.currency(true);
    l.quantity = r.integer(QStringLiteral("quantity")).value_or(0);
    Reader pricing = r.child(QStringLiteral("pricing"));
    Reader details = pricing.child(QStringLiteral("price_details"));
    l.priceId = details.reference(QStringLiteral("price"));
    pricing.merge(details);
    r.merge(pricing);
    Reader parent = r.child(QStringLiteral("parent"));
    const QString parentType = parent.string(QStringLiteral("type"));
    if (!parentType.isEmpty()) {
        Reader d = parent.child(parentType);
        l.proration = d.boolean(QStringLiteral("proration"));
        parent.merge(d);
    }
    r.merge(parent);
    Reader period = r.child(QStringLiteral("period"));
    l.periodStart = period.time(QStringLiteral("start"));
    l.periodEnd = period.time(QStringLiteral("end"));
    r.merge(period);
    if (r.failed())
        return r.error();
    return l;
}

Result<Invoice> invoice(const QJsonObject &json)
{
    Reader r(json, QStringLiteral("invoice"));
    r.expectObjectType(QStringLiteral("invoice"));
    Invoice inv;
    inv.id = r.string(QStringLiteral("id"), true);
    inv.number = r.string(QStringLiteral("number"));
    inv.customerId = r.reference(QStringLiteral("customer"), true);
    Reader parent = r.child(QStringLiteral("parent"));
    Reader subDetails = parent.child(QStringLiteral("subscription_details"));
    inv.subscriptionId = subDetails.reference(QStringLiteral("subscription"));
    parent.merge(subDetails);
    r.merge(parent);
    inv.status = r.string(QStringLiteral("status"));
    inv.currency = r.currency(true);
    inv.collectionMethod = r.string(QStringLiteral("collection_method"));
    inv.billingReason = r.string(QStringLiteral("billing_reason"));
    inv.subtotalMinor = r.amount(QStringLiteral("subtotal"));
    inv.totalMinor = r.amount(QStringLiteral("total"));
    inv.amountDueMinor = r.amount(QStringLiteral("amount_due"));
    inv.amountPaidMinor = r.amount(QStringLiteral("amount_paid"));
    inv.amountRemainingMinor = r.amount(QStringLiteral("amount_remaining"));
    inv.attemptCount = r.smallInt(QStringLiteral("attempt_count")).value_or(0);
    inv.attempted = r.boolean(QStringLiteral("attempted"));
    inv.created = r.time(QStringLiteral("created"), true);
    inv.dueDate = r.time(QStringLiteral("due_date"));
    inv.periodStart = r.time(QStringLiteral("period_start"));
    inv.periodEnd = r.time(QStringLiteral("period_end"));
    inv.nextPaymentAttempt = r.time(QStringLiteral("next_payment_attempt"));
    Reader transitions = r.child(QStringLiteral("status_transitions"));
    inv.paidAt = transitions.time(QStringLiteral("paid_at"));
    r.merge(transitions);
    inv.hostedInvoiceUrl = r.string(QStringLiteral("hosted_invoice_url"));
    inv.invoicePdf = r.string(QStringLiteral("invoice_pdf"));
    const QJsonArray lines = r.listData(QStringLiteral("lines"));
    for (const QJsonValue &v : lines) {
        const auto line = invoiceLine(v.toObject());
        if (!line.ok()) {
            r.failWith(line.error());
            break;
        }
        inv.lines << line.value();
    }
    if (r.failed())
        return r.error();
    return inv;
}

QString paymentIntentIdOf(const QJsonObject &invoicePayment)
{
    const QJsonObject payment = invoicePayment.value(QLatin1String("payment")).toObject();
    const QJsonValue pi = payment.value(QLatin1String("payment_intent"));
    return pi.isObject() ? pi.toObject().value(QLatin1String("id")).toString() : pi.toString();
}

Result<PaymentAttempt> paymentAttempt(const QJsonObject &invoicePayment, const QJsonObject &paymentIntent)
{
    Reader r(invoicePayment, QStringLiteral("invoice_payment"));
    r.expectObjectType(QStringLiteral("invoice_payment"));
    PaymentAttempt a;
    a.id = r.string(QStringLiteral("id"), true);
    a.invoiceId = r.reference(QStringLiteral("invoice"), true);
    a.status = r.string(QStringLiteral("status"));
    a.currency = r.currency(true);
    // amount_paid is null until paid; what was asked for is the attempt's amount.
    const auto paid = r.integer(QStringLiteral("amount_paid"));
    const auto requested = r.integer(QStringLiteral("amount_requested"));
    a.amountMinor = paid.value_or(requested.value_or(0));
    a.created = r.time(QStringLiteral("created"));
    Reader payment = r.child(QStringLiteral("payment"));
    a.paymentIntentId = payment.reference(QStringLiteral("payment_intent"));
    r.merge(payment);
    // The intent: the one passed in, else the one expanded into payment.payment_intent.
    QJsonObject intent = paymentIntent;
    if (intent.isEmpty())
        intent = invoicePayment.value(QLatin1String("payment")).toObject().value(QLatin1String("payment_intent")).toObject();
    if (!intent.isEmpty()) {
        Reader pi(intent, QStringLiteral("payment_intent"));
        pi.expectObjectType(QStringLiteral("payment_intent"));
        const QString intentId = pi.string(QStringLiteral("id"), true);
        if (!a.paymentIntentId.isEmpty() && !intentId.isEmpty() && intentId != a.paymentIntentId)
            pi.fail(QStringLiteral("id"), QStringLiteral("'%1' is not the invoice payment's intent '%2'").arg(intentId, a.paymentIntentId));
        if (a.paymentIntentId.isEmpty())
            a.paymentIntentId = intentId;
        a.intentStatus = pi.string(QStringLiteral("status"));
        Reader err = pi.child(QStringLiteral("last_payment_error"));
        a.failureCode = err.string(QStringLiteral("code"));
        a.declineCode = err.string(QStringLiteral("decline_code"));
        a.failureMessage = err.string(QStringLiteral("message"));
        pi.merge(err);
        r.merge(pi);
    }
    if (r.failed())
        return r.error();
    return a;
}

Result<PaymentMethod> paymentMethod(const QJsonObject &json)
{
    Reader r(json, QStringLiteral("payment_method"));
    r.expectObjectType(QStringLiteral("payment_method"));
    PaymentMethod pm;
    pm.id = r.string(QStringLiteral("id"), true);
    pm.customerId = r.reference(QStringLiteral("customer"));
    pm.type = r.string(QStringLiteral("type"), true);
    pm.created = r.time(QStringLiteral("created"));
    if (pm.type == QLatin1String("card")) {
        Reader card = r.child(QStringLiteral("card"));
        pm.brand = card.string(QStringLiteral("brand"));
        pm.last4 = card.string(QStringLiteral("last4"));
        pm.funding = card.string(QStringLiteral("funding"));
        pm.expMonth = card.smallInt(QStringLiteral("exp_month"), false, 0, 12).value_or(0);
        pm.expYear = card.smallInt(QStringLiteral("exp_year"), false, 0, 9999).value_or(0);
        r.merge(card);
    } else if (!pm.type.isEmpty() && json.value(pm.type).isObject()) {
        // Other types keep their details under a key named after the type; bank accounts and
        // debits have last4 (and us_bank_account a bank_name).
        Reader details = r.child(pm.type);
        pm.last4 = details.string(QStringLiteral("last4"));
        pm.bankName = details.string(QStringLiteral("bank_name"));
        r.merge(details);
    }
    if (r.failed())
        return r.error();
    return pm;
}

static QString percentOffString(const QJsonValue &value, QString *problem)
{
    if (value.isUndefined() || value.isNull())
        return {};
    if (!value.isDouble()) {
        *problem = QStringLiteral("not a number");
        return {};
    }
    // Stripe: a positive number up to 100 with at most two decimals. JSON gives a double (33.33 is
    // 33.3299999...), so go to hundredths, check that is what was sent, and write it back exactly.
    const double d = value.toDouble();
    if (!std::isfinite(d) || d <= 0 || d > 100) {
        *problem = QStringLiteral("%1 is not in (0, 100]").arg(d, 0, 'g', 17);
        return {};
    }
    const double hundredths = d * 100.0;
    const qint64 n = qint64(std::llround(hundredths));
    if (std::fabs(hundredths - double(n)) > 1e-6) {
        *problem = QStringLiteral("%1 has more than two decimals").arg(d, 0, 'g', 17);
        return {};
    }
    QString out = QString::number(n / 100);
    const qint64 frac = n % 100;
    if (frac != 0) {
        out += QLatin1Char('.') + QStringLiteral("%1").arg(frac, 2, 10, QLatin1Char('0'));
        if (out.endsWith(QLatin1Char('0')))
            out.chop(1);
    }
    return out;
}

Result<Coupon> coupon(const QJsonObject &json)
{
    Reader r(json, QStringLiteral("coupon"));
    r.expectObjectType(QStringLiteral("coupon"));
    Coupon c;
    c.id = r.string(QStringLiteral("id"), true);
    c.name = r.string(QStringLiteral("name"));
    QString problem;
    c.percentOff = percentOffString(json.value(QLatin1String("percent_off")), &problem);
    if (!problem.isEmpty())
        r.fail(QStringLiteral("percent_off"), problem);
    c.amountOff = r.integer(QStringLiteral("amount_off"));
    c.currency = r.currency(c.amountOff.has_value());
    if (c.percentOff.isEmpty() && !c.amountOff && !r.failed())
        r.fail(QStringLiteral("percent_off"), QStringLiteral("neither percent_off nor amount_off"));
    if (c.amountOff && *c.amountOff < 0)
        r.fail(QStringLiteral("amount_off"), QStringLiteral("negative"));
    const QJsonObject options = r.object(QStringLiteral("currency_options"));
    for (auto it = options.begin(); it != options.end(); ++it) {
        Reader o(it.value().toObject(), QStringLiteral("coupon.currency_options.") + it.key());
        if (!it.value().isObject())
            o.fail(QStringLiteral("amount_off"), QStringLiteral("not an object"));
        if (const auto amount = o.integer(QStringLiteral("amount_off"), true))
            c.currencyOptionsAmountOff.insert(it.key().toLower(), *amount);
        r.merge(o);
    }
    c.duration = r.string(QStringLiteral("duration"), true);
    c.durationInMonths = r.smallInt(QStringLiteral("duration_in_months"));
    c.maxRedemptions = r.smallInt(QStringLiteral("max_redemptions"));
    c.timesRedeemed = r.smallInt(QStringLiteral("times_redeemed")).value_or(0);
    c.redeemBy = r.time(QStringLiteral("redeem_by"));
    c.valid = json.contains(QLatin1String("valid")) ? r.boolean(QStringLiteral("valid")) : true;
    c.created = r.time(QStringLiteral("created"));
    if (r.failed())
        return r.error();
    return c;
}

Result<PromotionCode> promotionCode(const QJsonObject &json)
{
    Reader r(json, QStringLiteral("promotion_code"));
    r.expectObjectType(QStringLiteral("promotion_code"));
    PromotionCode p;
    p.id = r.string(QStringLiteral("id"), true);
    p.code = r.string(QStringLiteral("code"), true);
    // Current API: promotion {type: "coupon", coupon}; the coupon may come expanded.
    Reader promotion = r.child(QStringLiteral("promotion"));
    p.couponId = promotion.reference(QStringLiteral("coupon"));
    r.merge(promotion);
    p.customerId = r.reference(QStringLiteral("customer"));
    p.active = json.contains(QLatin1String("active")) ? r.boolean(QStringLiteral("active")) : true;
    p.maxRedemptions = r.smallInt(QStringLiteral("max_redemptions"));
    p.timesRedeemed = r.smallInt(QStringLiteral("times_redeemed")).value_or(0);
    p.expiresAt = r.time(QStringLiteral("expires_at"));
    Reader restrictions = r.child(QStringLiteral("restrictions"));
    p.firstTimeTransaction = restrictions.boolean(QStringLiteral("first_time_transaction"));
    p.minimumAmount = restrictions.integer(QStringLiteral("minimum_amount"));
    p.minimumAmountCurrency = restrictions.string(QStringLiteral("minimum_amount_currency")).toLower();
    if (p.minimumAmount && p.minimumAmountCurrency.isEmpty())
        restrictions.fail(QStringLiteral("minimum_amount_currency"), QStringLiteral("missing next to minimum_amount"));
    r.merge(restrictions);
    p.created = r.time(QStringLiteral("created"));
    if (r.failed())
        return r.error();
    return p;
}

Result<StripeAccount> account(const QJsonObject &json)
{
    Reader r(json, QStringLiteral("account"));
    r.expectObjectType(QStringLiteral("account"));
    StripeAccount a;
    a.id = r.string(QStringLiteral("id"), true);
    a.country = r.string(QStringLiteral("country"));
    a.defaultCurrency = r.string(QStringLiteral("default_currency"));
    Reader settings = r.child(QStringLiteral("settings"));
    Reader dashboard = settings.child(QStringLiteral("dashboard"));
    a.displayName = dashboard.string(QStringLiteral("display_name"));
    settings.merge(dashboard);
    r.merge(settings);
    if (a.displayName.isEmpty()) {
        Reader profile = r.child(QStringLiteral("business_profile"));
        a.displayName = profile.string(QStringLiteral("name"));
        r.merge(profile);
    }
    if (a.displayName.isEmpty())
        a.displayName = r.string(QStringLiteral("email"));
    if (r.failed())
        return r.error();
    return a;
}

Result<StripeEvent> event(const QJsonObject &json)
{
    Reader r(json, QStringLiteral("event"));
    r.expectObjectType(QStringLiteral("event"));
    StripeEvent e;
    e.id = r.string(QStringLiteral("id"), true);
    e.type = r.string(QStringLiteral("type"), true);
    e.created = r.time(QStringLiteral("created"), true);
    Reader data = r.child(QStringLiteral("data"));
    e.object = data.object(QStringLiteral("object"));
    if (e.object.isEmpty())
        data.fail(QStringLiteral("object"), QStringLiteral("missing"));
    r.merge(data);
    e.objectType = e.object.value(QLatin1String("object")).toString();
    if (r.failed())
        return r.error();
    return e;
}

} // namespace Billing::StripeParser
