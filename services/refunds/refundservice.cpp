#include "services/refunds/refundservice.h"

#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QSet>
#include <QTimeZone>
#include <QUuid>

#include <memory>

namespace Billing {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Billing::RefundService", text);
}

Error validation(const QString &userMessage, const QString &detail = {})
{
    return Error::make(Error::Kind::Validation, userMessage, detail);
}

const QLatin1String RefundOp("refund.create");
const QLatin1String CreditNoteOp("credit_note.create");

// A JSON integer (Stripe sends minor units as integers).
qint64 minorOf(const QJsonObject &o, QLatin1String key)
{
    return o.value(key).toInteger();
}

// An id field that may be expanded into an object.
QString idOf(const QJsonValue &v)
{
    return v.isObject() ? v.toObject().value(QLatin1String("id")).toString() : v.toString();
}

QString capitalized(QString s)
{
    if (!s.isEmpty())
        s[0] = s[0].toUpper();
    return s;
}

} // namespace

QString refundReasonName(RefundReason reason)
{
    switch (reason) {
    case RefundReason::Duplicate: return QStringLiteral("duplicate");
    case RefundReason::Fraudulent: return QStringLiteral("fraudulent");
    case RefundReason::RequestedByCustomer: break;
    }
    return QStringLiteral("requested_by_customer");
}

std::optional<RefundReason> refundReasonFromName(QStringView name)
{
    for (RefundReason r : {RefundReason::RequestedByCustomer, RefundReason::Duplicate, RefundReason::Fraudulent}) {
        if (name == refundReasonName(r))
            return r;
    }
    return std::nullopt;
}

QString refundModeName(RefundMode mode)
{
    switch (mode) {
    case RefundMode::Refund: return QStringLiteral("refund");
    case RefundMode::RefundWithCreditNote: return QStringLiteral("refund_with_credit_note");
    case RefundMode::CreditToBalance: return QStringLiteral("credit_note_balance");
    case RefundMode::CreditOutOfBand: return QStringLiteral("credit_note_out_of_band");
    }
    return {};
}

Money RefundContext::maximumFor(RefundMode mode) const
{
    switch (mode) {
    case RefundMode::Refund: return refundable;
    case RefundMode::RefundWithCreditNote:
        return refundable.minor() <= creditable.minor() ? refundable : creditable;
    case RefundMode::CreditToBalance:
    case RefundMode::CreditOutOfBand: return creditable;
    }
    return Money(0, currency);
}

QString RefundContext::paymentMethodLabel() const
{
    if (cardLast4.isEmpty())
        return tr("the original payment method");
    return QStringLiteral("%1 \u2022\u2022\u2022\u2022 %2").arg(capitalized(cardBrand), cardLast4);
}

// ---------------------------------------------------------------- loading

struct RefundService::Load
{
    QPointer<QObject> context;
    std::function<void(Result<RefundContext>)> handler;
    RefundContext rc;
    qint64 invoiceAmountPaid = 0;
    qint64 nonRefundCredits = 0; // issued post-payment credit notes: balance and out-of-band parts
    QSet<QString> chargeRefundIds; // the refunds the charge read already counts in amount_refunded
    bool chargeRefundsComplete = false; // all of them (the expanded list had no more pages)
};

RefundService::RefundService(StripeClient *client, OutboxService *outbox, OperationRunner *runner,
                             AsyncLocalCache *cache, QObject *parent)
    : QObject(parent), m_client(client), m_outbox(outbox), m_runner(runner), m_cache(cache)
{
}

RefundService::~RefundService() = default;

QString RefundService::newSessionOpId(const QString &invoiceId)
{
    return QStringLiteral("refund:%1:%2").arg(invoiceId, QUuid::createUuid().toString(QUuid::WithoutBraces));
}

void RefundService::load(const QString &invoiceId, QObject *context, std::function<void(Result<RefundContext>)> handler)
{
    auto load = std::make_shared<Load>();
    load->context = context;
    load->handler = std::move(handler);
    load->rc.invoiceId = invoiceId;
    load->rc.loadedAt = QDateTime::currentDateTimeUtc();
    if (!invoiceId.startsWith(QLatin1String("in_"))) {
        QMetaObject::invokeMethod(this, [this, load] {
            finishLoad(load, validation(tr("That is not an invoice id.")));
        }, Qt::QueuedConnection);
        return;
    }
    if (!m_client || !m_outbox) {
        QMetaObject::invokeMethod(this, [this, load] {
            finishLoad(load, Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
        }, Qt::QueuedConnection);
        return;
    }
    loadInvoice(load);
}

void RefundService::loadInvoice(const std::shared_ptr<Load> &load)
{
    StripeRequestOptions options;
    options.expand = QStringList{QStringLiteral("customer")};
    m_client->request(QStringLiteral("GET"), QStringLiteral("/v1/invoices/") + load->rc.invoiceId, {}, options, this,
                      [this, load](Result<QJsonObject> r) {
        if (!r)
            return finishLoad(load, r.error());
        const QJsonObject inv = r.value();
        RefundContext &rc = load->rc;
        rc.invoiceNumber = inv.value(QLatin1String("number")).toString();
        rc.invoiceStatus = inv.value(QLatin1String("status")).toString();
        const QJsonValue customer = inv.value(QLatin1String("customer"));
        rc.customerId = idOf(customer);
        if (customer.isObject()) {
            const QJsonObject c = customer.toObject();
            rc.customerName = c.value(QLatin1String("name")).toString();
            if (rc.customerName.isEmpty())
                rc.customerName = c.value(QLatin1String("email")).toString();
        }
        if (rc.customerName.isEmpty())
            rc.customerName = rc.customerId;
        const std::optional<Currency> cur = Currency::fromCode(inv.value(QLatin1String("currency")).toString());
        if (!cur)
            return finishLoad(load, validation(tr("The invoice is in a currency the console does not know.")));
        rc.currency = *cur;
        load->invoiceAmountPaid = minorOf(inv, QLatin1String("amount_paid"));
        if (rc.invoiceStatus != QLatin1String("paid") || load->invoiceAmountPaid <= 0)
            return finishLoad(load, validation(tr("Only a paid invoice can be refunded; this one is %1.")
                                                   .arg(rc.invoiceStatus.isEmpty() ? tr("unknown") : rc.invoiceStatus)));
        // The payment: the cache's payment attempts first, else Stripe's invoice payments.
        if (m_cache) {
            m_cache->paymentAttempts(rc.invoiceId, this, [this, load](Result<QList<PaymentAttempt>> attempts) {
                if (attempts) {
                    for (const PaymentAttempt &a : attempts.value()) {
                        if (a.status == QLatin1String("paid") && !a.paymentIntentId.isEmpty()) {
                            load->rc.paymentIntentId = a.paymentIntentId;
                            break;
                        }
                    }
                }
                loadPaymentIntent(load);
            });
        } else {
            loadPaymentIntent(load);
        }
    });
}

void RefundService::loadPaymentIntent(const std::shared_ptr<Load> &load)
{
    if (!m_client)
        return finishLoad(load, Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    if (load->rc.paymentIntentId.isEmpty()) {
        FormParams params = FormValue::object({{QStringLiteral("invoice"), load->rc.invoiceId},
                                               {QStringLiteral("status"), QStringLiteral("paid")},
                                               {QStringLiteral("limit"), 10}});
        m_client->get(QStringLiteral("/v1/invoice_payments"), params, this, [this, load](Result<QJsonObject> r) {
            if (!r)
                return finishLoad(load, r.error());
            const QJsonArray data = r->value(QLatin1String("data")).toArray();
            for (const QJsonValue &v : data) {
                const QJsonObject payment = v.toObject().value(QLatin1String("payment")).toObject();
                const QString pi = idOf(payment.value(QLatin1String("payment_intent")));
                if (!pi.isEmpty()) {
                    load->rc.paymentIntentId = pi;
                    break;
                }
            }
            if (load->rc.paymentIntentId.isEmpty())
                return finishLoad(load, validation(tr("This invoice was not paid through Stripe, so there is no payment "
                                                      "to refund. Issue a credit note instead.")));
            loadPaymentIntent(load);
        });
        return;
    }
    m_client->get(QStringLiteral("/v1/payment_intents/") + load->rc.paymentIntentId, {}, this,
                  [this, load](Result<QJsonObject> r) {
        if (!r)
            return finishLoad(load, r.error());
        if (r->value(QLatin1String("status")).toString() != QLatin1String("succeeded"))
            return finishLoad(load, validation(tr("The invoice's payment has not succeeded, so it cannot be refunded.")));
        load->rc.chargeId = idOf(r->value(QLatin1String("latest_charge")));
        if (load->rc.chargeId.isEmpty())
            return finishLoad(load, validation(tr("The invoice's payment has no charge to refund.")));
        loadCharge(load);
    });
}

void RefundService::loadCharge(const std::shared_ptr<Load> &load)
{
    if (!m_client)
        return finishLoad(load, Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    StripeRequestOptions options;
    options.expand = QStringList{QStringLiteral("refunds")};
    m_client->request(QStringLiteral("GET"), QStringLiteral("/v1/charges/") + load->rc.chargeId, {}, options, this,
                      [this, load](Result<QJsonObject> r) {
        if (!r)
            return finishLoad(load, r.error());
        RefundContext &rc = load->rc;
        const QJsonObject ch = r.value();
        const QJsonObject refunds = ch.value(QLatin1String("refunds")).toObject();
        for (const QJsonValue &v : refunds.value(QLatin1String("data")).toArray())
            load->chargeRefundIds.insert(v.toObject().value(QLatin1String("id")).toString());
        load->chargeRefundsComplete = refunds.contains(QLatin1String("data")) && !refunds.value(QLatin1String("has_more")).toBool();
        if (ch.value(QLatin1String("currency")).toString().compare(rc.currency.stripeCode(), Qt::CaseInsensitive) != 0)
            return finishLoad(load, validation(tr("The payment is in another currency than the invoice.")));
        rc.paid = Money(minorOf(ch, QLatin1String("amount_captured")), rc.currency);
        rc.refunded = Money(minorOf(ch, QLatin1String("amount_refunded")), rc.currency);
        const QJsonObject card = ch.value(QLatin1String("payment_method_details")).toObject().value(QLatin1String("card")).toObject();
        rc.cardBrand = card.value(QLatin1String("brand")).toString();
        rc.cardLast4 = card.value(QLatin1String("last4")).toString();
        loadCreditNotes(load);
    });
}

void RefundService::loadCreditNotes(const std::shared_ptr<Load> &load)
{
    if (!m_client)
        return finishLoad(load, Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    auto sum = std::make_shared<qint64>(0);
    m_client->listAll(
        QStringLiteral("/v1/credit_notes"), FormValue::object({{QStringLiteral("invoice"), load->rc.invoiceId}}), this,
        [sum](const QJsonArray &page) {
            for (const QJsonValue &v : page) {
                const QJsonObject cn = v.toObject();
                if (cn.value(QLatin1String("status")).toString() != QLatin1String("issued"))
                    continue;
                qint64 refundedByNote = 0;
                for (const QJsonValue &x : cn.value(QLatin1String("refunds")).toArray())
                    refundedByNote += x.toObject().value(QLatin1String("amount_refunded")).toInteger();
                *sum += qMax<qint64>(0, minorOf(cn, QLatin1String("post_payment_amount")) - refundedByNote);
            }
            return true;
        },
        [this, load, sum](Status st) {
            if (!st)
                return finishLoad(load, st.error());
            load->nonRefundCredits = *sum;
            loadOutbox(load);
        });
}

void RefundService::openEntries(QObject *receiver, std::function<void(Result<QList<OutboxEntry>>)> handler)
{
    if (!m_outbox) {
        handler(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
        return;
    }
    // Pending, in flight, and recently succeeded (which a charge read earlier may not show yet).
    auto all = std::make_shared<QList<OutboxEntry>>();
    auto left = std::make_shared<int>(3);
    auto failed = std::make_shared<std::optional<Error>>();
    auto shared = std::make_shared<std::function<void(Result<QList<OutboxEntry>>)>>(std::move(handler));
    for (auto [state, limit] : {std::pair{OutboxState::Pending, 0}, std::pair{OutboxState::InFlight, 0},
                                std::pair{OutboxState::Succeeded, 200}}) {
        m_outbox->entries(state, limit, receiver, [all, left, failed, shared](Result<QList<OutboxEntry>> r) {
            if (r)
                *all += r.value();
            else if (!*failed)
                *failed = r.error();
            if (--*left == 0)
                (*shared)(*failed ? Result<QList<OutboxEntry>>(**failed) : Result<QList<OutboxEntry>>(*all));
        });
    }
}

void RefundService::loadOutbox(const std::shared_ptr<Load> &load)
{
    openEntries(this, [this, load](Result<QList<OutboxEntry>> entries) {
        if (!entries)
            return finishLoad(load, entries.error());
        RefundContext &rc = load->rc;
        // A refund that succeeded while this load ran counts as reserved, unless the charge read
        // already shows it (then amount_refunded has it; counting it again would halve what is left).
        QList<OutboxEntry> open = entries.value();
        if (load->chargeRefundsComplete) {
            open.removeIf([&](const OutboxEntry &e) {
                return e.state == OutboxState::Succeeded && load->chargeRefundIds.contains(e.resultObjectId);
            });
        }
        Reserved reserved = reservedBy(open, rc);
        for (auto it = m_unconfirmed.cbegin(); it != m_unconfirmed.cend(); ++it) {
            if (it->first != rc.paymentIntentId)
                continue;
            if (refundModeMovesMoney(it->second.mode))
                reserved.refunds += it->second.amount.minor();
            reserved.credits += it->second.amount.minor();
        }
        rc.pendingRefunds = Money(reserved.refunds, rc.currency);
        rc.pendingCredits = Money(reserved.credits, rc.currency);
        rc.refundable = Money(qMax<qint64>(0, rc.paid.minor() - rc.refunded.minor() - reserved.refunds), rc.currency);
        const qint64 creditBase = qMin(load->invoiceAmountPaid, rc.paid.minor()) - rc.refunded.minor() - load->nonRefundCredits;
        rc.creditable = Money(qMax<qint64>(0, creditBase - reserved.credits), rc.currency);
        finishLoad(load, std::nullopt);
    });
}

void RefundService::finishLoad(const std::shared_ptr<Load> &load, std::optional<Error> error)
{
    if (!load->context || !load->handler)
        return;
    auto handler = std::move(load->handler);
    load->handler = nullptr;
    if (error)
        handler(*error);
    else
        handler(load->rc);
}

RefundService::Reserved RefundService::reservedBy(const QList<OutboxEntry> &entries, const RefundContext &context,
                                                  const QString &exceptClientOpId)
{
    Reserved out;
    QSet<qint64> seen;
    for (const OutboxEntry &e : entries) {
        if (seen.contains(e.id))
            continue;
        seen.insert(e.id);
        if (!exceptClientOpId.isEmpty() && e.clientOpId == exceptClientOpId)
            continue;
        const bool counts = e.isOpen()
            || (e.state == OutboxState::Succeeded && context.loadedAt.isValid() && e.updatedAt >= context.loadedAt);
        if (!counts)
            continue;
        const QJsonObject &p = e.params;
        if (e.operation == RefundOp) {
            const bool samePayment = (!context.paymentIntentId.isEmpty()
                                      && p.value(QLatin1String("payment_intent")).toString() == context.paymentIntentId)
                || (!context.chargeId.isEmpty() && p.value(QLatin1String("charge")).toString() == context.chargeId);
            if (!samePayment)
                continue;
            // No amount: Stripe refunds everything that is left.
            const qint64 amount = p.contains(QLatin1String("amount")) ? p.value(QLatin1String("amount")).toInteger()
                                                                      : context.paid.minor();
            out.refunds += amount;
            out.credits += amount;
        } else if (e.operation == CreditNoteOp) {
            if (p.value(QLatin1String("invoice")).toString() != context.invoiceId)
                continue;
            out.refunds += p.value(QLatin1String("refund_amount")).toInteger();
            out.credits += p.value(QLatin1String("amount")).toInteger();
        }
    }
    return out;
}

// ---------------------------------------------------------------- validation

Result<Money> RefundService::parseAmount(const RefundContext &context, QStringView text, RefundMode mode,
                                         const QLocale &locale)
{
    if (text.trimmed().isEmpty())
        return validation(tr("Enter an amount."));
    Money::ParseOptions options;
    options.allowNegative = false;
    options.allowZero = false;
    Result<Money> m = Money::parse(text, context.currency, locale, options);
    if (!m)
        return m;
    RefundRequest probe;
    probe.amount = m.value();
    probe.mode = mode;
    if (Status st = validate(context, probe); !st)
        return st.error();
    return m;
}

Status RefundService::validate(const RefundContext &context, const RefundRequest &request)
{
    const QLocale locale;
    if (!context.currency.isValid() || context.paymentIntentId.isEmpty())
        return validation(tr("The invoice's payment is not loaded yet."));
    if (!request.amount.isValid() || request.amount.currency() != context.currency)
        return validation(tr("The amount must be in %1, the invoice's currency.").arg(context.currency.code()),
                          QStringLiteral("refund amount in %1 for a %2 invoice")
                              .arg(request.amount.currency().code(), context.currency.code()));
    if (request.amount.isNegative())
        return validation(tr("The amount cannot be negative."));
    if (request.amount.isZero())
        return validation(tr("The amount must be more than zero."));
    const int step = context.currency.stripeAmountStep();
    if (step > 1 && request.amount.minor() % step != 0)
        return validation(tr("Stripe only accepts %1 amounts in steps of %2.")
                              .arg(context.currency.code(), Money(step, context.currency).toDecimalString()));
    const Money max = context.maximumFor(request.mode);
    if (request.amount.minor() > max.minor()) {
        if (max.isZero())
            return validation(refundModeMovesMoney(request.mode)
                                  ? tr("Nothing is left to refund on this payment.")
                                  : tr("Nothing is left to credit on this invoice."));
        return validation(tr("At most %1 can still be %2.")
                              .arg(max.toLocaleString(locale),
                                   refundModeMovesMoney(request.mode) ? tr("refunded") : tr("credited")));
    }
    if (request.note.size() > MaxNoteLength)
        return validation(tr("The note is too long (at most %1 characters).").arg(MaxNoteLength));
    return {};
}

OutboxOperation RefundService::operationFor(const RefundContext &context, const RefundRequest &request)
{
    OutboxOperation op;
    op.method = QStringLiteral("POST");
    op.clientOpId = request.clientOpId;
    QJsonObject metadata{{QStringLiteral("invoice"), context.invoiceId}};
    if (!request.note.trimmed().isEmpty())
        metadata.insert(QStringLiteral("note"), request.note.trimmed());
    const qint64 amount = request.amount.minor();
    if (request.mode == RefundMode::Refund) {
        op.operation = RefundOp;
        op.path = QStringLiteral("/v1/refunds");
        op.params = QJsonObject{{QStringLiteral("payment_intent"), context.paymentIntentId},
                                {QStringLiteral("amount"), amount},
                                {QStringLiteral("reason"), refundReasonName(request.reason)},
                                {QStringLiteral("metadata"), metadata}};
        return op;
    }
    op.operation = CreditNoteOp;
    op.path = QStringLiteral("/v1/credit_notes");
    QJsonObject p{{QStringLiteral("invoice"), context.invoiceId},
                  {QStringLiteral("amount"), amount},
                  {QStringLiteral("metadata"), metadata}};
    switch (request.mode) {
    case RefundMode::RefundWithCreditNote: p.insert(QStringLiteral("refund_amount"), amount); break;
    case RefundMode::CreditToBalance: p.insert(QStringLiteral("credit_amount"), amount); break;
    case RefundMode::CreditOutOfBand: p.insert(QStringLiteral("out_of_band_amount"), amount); break;
    case RefundMode::Refund: break;
    }
    // Credit notes know duplicate and fraudulent; "requested by customer" has no counterpart there.
    if (request.reason != RefundReason::RequestedByCustomer)
        p.insert(QStringLiteral("reason"), refundReasonName(request.reason));
    if (!request.note.trimmed().isEmpty())
        p.insert(QStringLiteral("memo"), request.note.trimmed());
    op.params = p;
    return op;
}

void RefundService::previewCreditNote(const RefundContext &context, const RefundRequest &request, QObject *receiver,
                                      std::function<void(Result<CreditNotePreview>)> handler)
{
    auto fail = [this, receiver, handler](Error e) {
        QPointer<QObject> guard(receiver);
        QMetaObject::invokeMethod(this, [guard, handler, e] {
            if (guard)
                handler(e);
        }, Qt::QueuedConnection);
    };
    if (!refundModeIssuesCreditNote(request.mode))
        return fail(validation(tr("This refund issues no credit note.")));
    if (Status st = validate(context, request); !st)
        return fail(st.error());
    if (!m_client)
        return fail(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    const OutboxOperation op = operationFor(context, request);
    const Currency cur = context.currency;
    m_client->get(QStringLiteral("/v1/credit_notes/preview"), formParamsFromJson(op.params), receiver,
                  [handler, cur, params = op.params](Result<QJsonObject> r) {
        if (!r)
            return handler(r.error());
        CreditNotePreview p;
        p.number = r->value(QLatin1String("number")).toString();
        p.total = Money(r->value(QLatin1String("total")).toInteger(), cur);
        // The split as Stripe will apply it (the preview echoes the total; the parts are what was asked).
        p.refundAmount = Money(params.value(QLatin1String("refund_amount")).toInteger(), cur);
        p.creditAmount = Money(params.value(QLatin1String("credit_amount")).toInteger(), cur);
        const qint64 oob = r->value(QLatin1String("out_of_band_amount")).toInteger();
        p.outOfBandAmount = Money(oob ? oob : params.value(QLatin1String("out_of_band_amount")).toInteger(), cur);
        handler(p);
    });
}

// ---------------------------------------------------------------- submitting

void RefundService::submit(const RefundContext &context, const RefundRequest &request, QObject *receiver,
                           std::function<void(Result<OutboxEntry>)> queued)
{
    QPointer<QObject> guard(receiver);
    auto reply = [this, guard, queued](Result<OutboxEntry> r) {
        QMetaObject::invokeMethod(this, [guard, queued, r] {
            if (guard)
                queued(r);
        }, Qt::QueuedConnection);
    };
    if (Status st = validate(context, request); !st)
        return reply(st.error());
    if (!m_runner || !m_outbox)
        return reply(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    const QString opId = request.clientOpId.isEmpty() ? newSessionOpId(context.invoiceId) : request.clientOpId;
    RefundRequest req = request;
    req.clientOpId = opId;
    // The same session submitted again while its first submit is still on the way: one entry.
    if (m_unconfirmed.contains(opId)) {
        m_waiting[opId].append({guard, queued});
        return;
    }
    m_unconfirmed.insert(opId, {context.paymentIntentId, req});
    m_waiting[opId].append({guard, queued});

    auto finish = [this, opId](Result<OutboxEntry> r) {
        m_unconfirmed.remove(opId);
        const auto waiting = m_waiting.take(opId);
        for (const auto &w : waiting) {
            if (w.first)
                w.second(r);
        }
    };

    openEntries(this, [this, context, req, opId, finish](Result<QList<OutboxEntry>> entries) {
        if (!entries)
            return finish(entries.error());
        bool known = false;
        for (const OutboxEntry &e : entries.value())
            known = known || e.clientOpId == opId;
        if (!known) {
            // Re-check against the outbox as it is now: other dialogs and agents on this console.
            Reserved reserved = reservedBy(entries.value(), context, opId);
            for (auto it = m_unconfirmed.cbegin(); it != m_unconfirmed.cend(); ++it) {
                if (it.key() == opId || it->first != context.paymentIntentId)
                    continue;
                if (refundModeMovesMoney(it->second.mode))
                    reserved.refunds += it->second.amount.minor();
                reserved.credits += it->second.amount.minor();
            }
            RefundContext now = context;
            const qint64 refundBase = context.paid.minor() - context.refunded.minor();
            const qint64 creditBase = context.creditable.minor() + context.pendingCredits.minor();
            now.pendingRefunds = Money(reserved.refunds, context.currency);
            now.pendingCredits = Money(reserved.credits, context.currency);
            now.refundable = Money(qMax<qint64>(0, refundBase - reserved.refunds), context.currency);
            now.creditable = Money(qMax<qint64>(0, creditBase - reserved.credits), context.currency);
            if (Status st = validate(now, req); !st)
                return finish(st.error());
        }
        if (!m_runner)
            return finish(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));

        const QLocale locale;
        OperationRequest op;
        op.permission = refundModeMovesMoney(req.mode) && req.mode == RefundMode::Refund ? Permission::Refund
                                                                                         : Permission::IssueCreditNote;
        op.amount = req.amount;
        op.outbox = operationFor(context, req);
        op.targetType = QStringLiteral("invoice");
        op.targetId = context.invoiceId;
        op.beforeSummary = tr("Invoice %1 paid %2; refunded %3; refundable %4")
                               .arg(context.invoiceNumber.isEmpty() ? context.invoiceId : context.invoiceNumber,
                                    context.paid.toDecimalString() + QLatin1Char(' ') + context.currency.code(),
                                    context.refunded.toDecimalString() + QLatin1Char(' ') + context.currency.code(),
                                    context.refundable.toDecimalString() + QLatin1Char(' ') + context.currency.code());
        const QString amountText = req.amount.toDecimalString() + QLatin1Char(' ') + context.currency.code();
        QString intent;
        switch (req.mode) {
        case RefundMode::Refund:
            intent = tr("Refund %1 to %2").arg(amountText, context.paymentMethodLabel());
            break;
        case RefundMode::RefundWithCreditNote:
            intent = tr("Credit note of %1, refunded to %2").arg(amountText, context.paymentMethodLabel());
            break;
        case RefundMode::CreditToBalance:
            intent = tr("Credit note of %1 to the customer's balance").arg(amountText);
            break;
        case RefundMode::CreditOutOfBand:
            intent = tr("Credit note of %1, paid back outside Stripe").arg(amountText);
            break;
        }
        intent += tr(" (reason: %1)").arg(refundReasonName(req.reason));
        if (!req.note.trimmed().isEmpty())
            intent += tr("; note: %1").arg(req.note.trimmed());
        op.intentSummary = intent;
        m_runner->submit(op, this, finish);
    });
}

} // namespace Billing
