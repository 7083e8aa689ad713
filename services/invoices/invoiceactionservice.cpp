#include "services/invoices/invoiceactionservice.h"

#include "services/operations/operationrunner.h"
#include "services/platform/logging.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"

#include <QCoreApplication>
#include <QUuid>

namespace Billing {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Billing::InvoiceActionService", text);
}

Error validation(const QString &userMessage, const QString &detail = {})
{
    return Error::make(Error::Kind::Validation, userMessage, detail);
}

const QList<InvoiceAction> AllActions{InvoiceAction::Finalize, InvoiceAction::Send, InvoiceAction::Pay,
                                      InvoiceAction::RecordOfflinePayment, InvoiceAction::MarkUncollectible,
                                      InvoiceAction::Void};

QString statusWords(const QString &status)
{
    if (status == QLatin1String("draft"))
        return tr("a draft");
    if (status == QLatin1String("open"))
        return tr("open");
    if (status == QLatin1String("paid"))
        return tr("paid");
    if (status == QLatin1String("uncollectible"))
        return tr("uncollectible");
    if (status == QLatin1String("void"))
        return tr("void");
    return status.isEmpty() ? tr("in an unknown state") : status;
}

QString amountText(const Money &m)
{
    return m.toDecimalString() + QLatin1Char(' ') + m.currency().code();
}

QString metadataOp() { return QStringLiteral("invoice.update"); }

} // namespace

QString invoiceActionName(InvoiceAction action)
{
    switch (action) {
    case InvoiceAction::Finalize: return QStringLiteral("finalize");
    case InvoiceAction::Send: return QStringLiteral("send");
    case InvoiceAction::Void: return QStringLiteral("void");
    case InvoiceAction::MarkUncollectible: return QStringLiteral("mark_uncollectible");
    case InvoiceAction::Pay: return QStringLiteral("pay");
    case InvoiceAction::RecordOfflinePayment: return QStringLiteral("pay_out_of_band");
    }
    return {};
}

std::optional<InvoiceAction> invoiceActionFromName(QStringView name)
{
    for (InvoiceAction a : AllActions) {
        if (name == invoiceActionName(a))
            return a;
    }
    return std::nullopt;
}

Permission invoiceActionPermission(InvoiceAction action)
{
    switch (action) {
    case InvoiceAction::Finalize:
    case InvoiceAction::Send:
    case InvoiceAction::Pay: return Permission::InvoiceActions;
    case InvoiceAction::Void:
    case InvoiceAction::MarkUncollectible: return Permission::WriteOff;
    case InvoiceAction::RecordOfflinePayment: return Permission::RecordOfflinePayment;
    }
    return Permission::InvoiceActions;
}

QString invoiceActionLabel(InvoiceAction action)
{
    switch (action) {
    case InvoiceAction::Finalize: return tr("Finalize");
    case InvoiceAction::Send: return tr("Send");
    case InvoiceAction::Void: return tr("Void");
    case InvoiceAction::MarkUncollectible: return tr("Mark uncollectible");
    case InvoiceAction::Pay: return tr("Pay now");
    case InvoiceAction::RecordOfflinePayment: return tr("Record offline payment");
    }
    return {};
}

QString offlinePaymentMethodName(OfflinePaymentMethod method)
{
    switch (method) {
    case OfflinePaymentMethod::Wire: return QStringLiteral("wire");
    case OfflinePaymentMethod::Cheque: return QStringLiteral("cheque");
    case OfflinePaymentMethod::Cash: return QStringLiteral("cash");
    case OfflinePaymentMethod::Other: return QStringLiteral("other");
    }
    return {};
}

std::optional<OfflinePaymentMethod> offlinePaymentMethodFromName(QStringView name)
{
    for (OfflinePaymentMethod m : {OfflinePaymentMethod::Wire, OfflinePaymentMethod::Cheque, OfflinePaymentMethod::Cash,
                                   OfflinePaymentMethod::Other}) {
        if (name == offlinePaymentMethodName(m))
            return m;
    }
    return std::nullopt;
}

QString offlinePaymentMethodLabel(OfflinePaymentMethod method)
{
    switch (method) {
    case OfflinePaymentMethod::Wire: return tr("Wire transfer");
    case OfflinePaymentMethod::Cheque: return tr("Cheque");
    case OfflinePaymentMethod::Cash: return tr("Cash");
    case OfflinePaymentMethod::Other: return tr("Other");
    }
    return {};
}

InvoiceActionService::InvoiceActionService(StripeClient *client, OperationRunner *runner, AsyncLocalCache *cache,
                                           QObject *parent)
    : QObject(parent), m_client(client), m_runner(runner), m_cache(cache)
{
    if (runner)
        connect(runner, &OperationRunner::operationFinished, this, &InvoiceActionService::onOperationFinished);
}

InvoiceActionService::~InvoiceActionService() = default;

QString InvoiceActionService::newSessionOpId(InvoiceAction action, const QString &invoiceId)
{
    return QStringLiteral("invoice.%1:%2:%3")
        .arg(invoiceActionName(action), invoiceId, QUuid::createUuid().toString(QUuid::WithoutBraces));
}

void InvoiceActionService::load(const QString &invoiceId, QObject *context,
                                std::function<void(Result<InvoiceActionTarget>)> handler)
{
    QPointer<QObject> guard(context);
    auto fail = [this, guard, handler](Error e) {
        QMetaObject::invokeMethod(this, [guard, handler, e] {
            if (guard)
                handler(e);
        }, Qt::QueuedConnection);
    };
    if (!invoiceId.startsWith(QLatin1String("in_")))
        return fail(validation(tr("That is not an invoice id."), QStringLiteral("invoice id %1").arg(invoiceId)));
    if (!m_client)
        return fail(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    m_client->get(QStringLiteral("/v1/invoices/") + invoiceId, {}, context, [handler](Result<QJsonObject> r) {
        if (!r)
            return handler(r.error());
        const QJsonObject o = r.value();
        InvoiceActionTarget t;
        t.invoiceId = o.value(QLatin1String("id")).toString();
        t.number = o.value(QLatin1String("number")).toString();
        t.status = o.value(QLatin1String("status")).toString();
        t.collectionMethod = o.value(QLatin1String("collection_method")).toString();
        const QJsonValue customer = o.value(QLatin1String("customer"));
        t.customerId = customer.isObject() ? customer.toObject().value(QLatin1String("id")).toString() : customer.toString();
        const std::optional<Currency> cur = Currency::fromCode(o.value(QLatin1String("currency")).toString());
        if (!cur)
            return handler(validation(tr("The invoice is in a currency the console does not know.")));
        t.amountDue = Money(o.value(QLatin1String("amount_due")).toInteger(), *cur);
        t.amountRemaining = Money(o.value(QLatin1String("amount_remaining")).toInteger(), *cur);
        handler(t);
    });
}

Status InvoiceActionService::check(const InvoiceActionTarget &t, InvoiceAction action)
{
    const QString &s = t.status;
    const QString is = statusWords(s);
    switch (action) {
    case InvoiceAction::Finalize:
        // Stripe: only a draft can be finalized.
        if (s != QLatin1String("draft"))
            return validation(tr("Only a draft invoice can be finalized; this one is %1.").arg(is));
        return {};
    case InvoiceAction::Send:
        // Stripe: manual sending exists for collection_method send_invoice only; a paid invoice may
        // be sent again (without mention of the payment). We do not let send finalize a draft.
        if (t.collectionMethod != QLatin1String("send_invoice"))
            return validation(tr("Only an invoice that is emailed to the customer for payment can be sent; this one "
                                 "is charged automatically."));
        if (s == QLatin1String("draft"))
            return validation(tr("Finalize the draft before sending it."));
        if (s != QLatin1String("open") && s != QLatin1String("paid"))
            return validation(tr("Only an open or paid invoice can be sent; this one is %1.").arg(is));
        return {};
    case InvoiceAction::Void:
        // Stripe: only finalized invoices that are open or uncollectible; void cannot be undone.
        if (s != QLatin1String("open") && s != QLatin1String("uncollectible"))
            return validation(tr("Only an open or uncollectible invoice can be voided; this one is %1.").arg(is));
        return {};
    case InvoiceAction::MarkUncollectible:
        if (s != QLatin1String("open"))
            return validation(tr("Only an open invoice can be marked uncollectible; this one is %1.").arg(is));
        return {};
    case InvoiceAction::Pay:
    case InvoiceAction::RecordOfflinePayment:
        // Stripe: open and uncollectible invoices can still be paid; paid and void ones cannot.
        if (s != QLatin1String("open") && s != QLatin1String("uncollectible"))
            return validation(action == InvoiceAction::Pay
                                  ? tr("Only an open or uncollectible invoice can be paid; this one is %1.").arg(is)
                                  : tr("A payment can only be recorded against an open or uncollectible invoice; "
                                       "this one is %1.").arg(is));
        if (t.amountRemaining.isValid() && t.amountRemaining.minor() <= 0)
            return validation(tr("Nothing is left to pay on this invoice."));
        return {};
    }
    return validation(tr("Unknown invoice action."));
}

QList<InvoiceAction> InvoiceActionService::applicableActions(const InvoiceActionTarget &target)
{
    QList<InvoiceAction> out;
    for (InvoiceAction a : AllActions) {
        if (check(target, a))
            out.append(a);
    }
    return out;
}

Status InvoiceActionService::validateOfflinePayment(const OfflinePayment &p, const QDate &today)
{
    if (p.reference.trimmed().isEmpty())
        return validation(tr("Enter the payment's reference (bank reference or cheque number)."));
    if (p.reference.trimmed().size() > MaxTextLength)
        return validation(tr("The reference is too long (at most %1 characters).").arg(MaxTextLength));
    if (p.note.trimmed().size() > MaxTextLength)
        return validation(tr("The note is too long (at most %1 characters).").arg(MaxTextLength));
    if (!p.receivedOn.isValid())
        return validation(tr("Enter the day the payment was received."));
    if (today.isValid() && p.receivedOn > today)
        return validation(tr("The payment date cannot be in the future."));
    return {};
}

OutboxOperation InvoiceActionService::operationFor(const InvoiceActionRequest &request)
{
    OutboxOperation op;
    op.method = QStringLiteral("POST");
    op.clientOpId = request.clientOpId;
    const QString base = QStringLiteral("/v1/invoices/") + request.invoiceId;
    switch (request.action) {
    case InvoiceAction::Finalize:
        op.operation = QStringLiteral("invoice.finalize");
        op.path = base + QStringLiteral("/finalize");
        break;
    case InvoiceAction::Send:
        op.operation = QStringLiteral("invoice.send");
        op.path = base + QStringLiteral("/send");
        break;
    case InvoiceAction::Void:
        op.operation = QStringLiteral("invoice.void");
        op.path = base + QStringLiteral("/void");
        break;
    case InvoiceAction::MarkUncollectible:
        op.operation = QStringLiteral("invoice.mark_uncollectible");
        op.path = base + QStringLiteral("/mark_uncollectible");
        break;
    case InvoiceAction::Pay:
        op.operation = QStringLiteral("invoice.pay");
        op.path = base + QStringLiteral("/pay");
        break;
    case InvoiceAction::RecordOfflinePayment:
        op.operation = QStringLiteral("invoice.pay_out_of_band");
        op.path = base + QStringLiteral("/pay");
        op.params.insert(QStringLiteral("paid_out_of_band"), true);
        break;
    }
    return op;
}

namespace {

QJsonObject offlineMetadata(const OfflinePayment &p)
{
    QJsonObject m{{QStringLiteral("offline_payment_method"), offlinePaymentMethodName(p.method)},
                  {QStringLiteral("offline_payment_reference"), p.reference.trimmed()},
                  {QStringLiteral("offline_payment_date"), p.receivedOn.toString(Qt::ISODate)}};
    if (!p.note.trimmed().isEmpty())
        m.insert(QStringLiteral("offline_payment_note"), p.note.trimmed());
    return m;
}

QString intentFor(const InvoiceActionTarget &t, const InvoiceActionRequest &req)
{
    const QString name = t.number.isEmpty() ? t.invoiceId : t.number;
    switch (req.action) {
    case InvoiceAction::Finalize: return tr("Finalize invoice %1").arg(name);
    case InvoiceAction::Send: return tr("Email invoice %1 to the customer").arg(name);
    case InvoiceAction::Void: return tr("Void invoice %1 (cannot be undone)").arg(name);
    case InvoiceAction::MarkUncollectible: return tr("Write off invoice %1 as uncollectible").arg(name);
    case InvoiceAction::Pay: return tr("Charge %1 for invoice %2 now").arg(amountText(t.amountRemaining), name);
    case InvoiceAction::RecordOfflinePayment: {
        QString s = tr("Record %1 received by %2 on %3 for invoice %4 (reference %5)")
                        .arg(amountText(t.amountRemaining), offlinePaymentMethodLabel(req.offline.method).toLower(),
                             req.offline.receivedOn.toString(Qt::ISODate), name, req.offline.reference.trimmed());
        if (!req.offline.note.trimmed().isEmpty())
            s += tr("; note: %1").arg(req.offline.note.trimmed());
        return s;
    }
    }
    return {};
}

} // namespace

void InvoiceActionService::submit(const InvoiceActionRequest &request, QObject *context,
                                  std::function<void(Result<OutboxEntry>)> queued)
{
    QPointer<QObject> guard(context);
    auto reply = [this, guard, queued](Result<OutboxEntry> r) {
        QMetaObject::invokeMethod(this, [guard, queued, r] {
            if (guard && queued)
                queued(r);
        }, Qt::QueuedConnection);
    };
    if (request.action == InvoiceAction::RecordOfflinePayment) {
        if (Status st = validateOfflinePayment(request.offline); !st)
            return reply(st.error());
    }
    if (!m_runner || !m_client)
        return reply(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    InvoiceActionRequest req = request;
    if (req.clientOpId.isEmpty())
        req.clientOpId = newSessionOpId(req.action, req.invoiceId);
    const QString opId = req.clientOpId;
    // The same session again: its entry, or a place in the queue of the submit still on its way.
    if (const auto it = m_submitted.constFind(opId); it != m_submitted.cend())
        return reply(it.value());
    if (m_waiting.contains(opId)) {
        m_waiting[opId].append({guard, queued});
        return;
    }
    m_waiting[opId].append({guard, queued});
    auto finish = [this, opId](Result<OutboxEntry> r) {
        if (r)
            m_submitted.insert(opId, r.value());
        const auto waiting = m_waiting.take(opId);
        for (const auto &w : waiting) {
            if (w.first && w.second)
                w.second(r);
        }
    };
    // The role first: a refusal needs no Stripe read (OperationRunner checks and audits it again).
    if (Status allowed = m_runner->policy().check(m_runner->actor(), invoiceActionPermission(req.action)); !allowed) {
        OperationRequest op;
        op.permission = invoiceActionPermission(req.action);
        op.outbox = operationFor(req);
        op.targetType = QStringLiteral("invoice");
        op.targetId = req.invoiceId;
        op.intentSummary = invoiceActionLabel(req.action);
        m_runner->submit(op, this, finish);
        return;
    }
    load(req.invoiceId, this, [this, req, finish](Result<InvoiceActionTarget> target) {
        if (!target)
            return finish(target.error());
        if (Status st = check(target.value(), req.action); !st) {
            Logging::logger("app")->info("invoice {} {} refused: {}", req.invoiceId.toStdString(),
                                         invoiceActionName(req.action).toStdString(), st.error().detail.toStdString());
            return finish(st.error());
        }
        if (!m_runner)
            return finish(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
        const InvoiceActionTarget &t = target.value();
        OperationRequest op;
        op.permission = invoiceActionPermission(req.action);
        op.outbox = operationFor(req);
        op.targetType = QStringLiteral("invoice");
        op.targetId = req.invoiceId;
        op.beforeSummary = tr("Invoice %1 %2, %3 remaining (%4)")
                               .arg(t.number.isEmpty() ? t.invoiceId : t.number, t.status, amountText(t.amountRemaining),
                                    t.collectionMethod);
        op.intentSummary = intentFor(t, req);
        m_runner->submit(op, this, [this, req, finish](Result<OutboxEntry> r) {
            if (r)
                m_pending.insert(r->id, req);
            finish(r);
        });
    });
}

void InvoiceActionService::payNow(const QString &invoiceId, QObject *context,
                                  std::function<void(Result<OutboxEntry>)> queued)
{
    InvoiceActionRequest req;
    req.action = InvoiceAction::Pay;
    req.invoiceId = invoiceId;
    submit(req, context, std::move(queued));
}

void InvoiceActionService::recordOfflinePayment(const QString &invoiceId, const OfflinePayment &payment,
                                                QObject *context, std::function<void(Result<OutboxEntry>)> queued)
{
    InvoiceActionRequest req;
    req.action = InvoiceAction::RecordOfflinePayment;
    req.invoiceId = invoiceId;
    req.offline = payment;
    submit(req, context, std::move(queued));
}

void InvoiceActionService::onOperationFinished(const OutboxEntry &entry)
{
    const auto it = m_pending.constFind(entry.id);
    if (it == m_pending.cend())
        return;
    const InvoiceActionRequest req = it.value();
    m_pending.erase(it);
    const bool ok = entry.state == OutboxState::Succeeded;
    if (ok && req.action == InvoiceAction::RecordOfflinePayment && m_runner) {
        // /pay takes no metadata: the payment's method, reference and date go onto the invoice
        // in a second, audited update, once Stripe has marked it paid.
        OperationRequest op;
        op.permission = Permission::RecordOfflinePayment;
        op.outbox.operation = metadataOp();
        op.outbox.method = QStringLiteral("POST");
        op.outbox.path = QStringLiteral("/v1/invoices/") + req.invoiceId;
        op.outbox.params = QJsonObject{{QStringLiteral("metadata"), offlineMetadata(req.offline)}};
        op.outbox.clientOpId = req.clientOpId + QStringLiteral(":metadata");
        op.targetType = QStringLiteral("invoice");
        op.targetId = req.invoiceId;
        op.beforeSummary = tr("Invoice paid out of band");
        op.intentSummary = tr("Note the offline payment on the invoice: %1, reference %2, received %3")
                               .arg(offlinePaymentMethodLabel(req.offline.method), req.offline.reference.trimmed(),
                                    req.offline.receivedOn.toString(Qt::ISODate));
        m_runner->submit(op, this, [id = req.invoiceId](Result<OutboxEntry> r) {
            if (!r)
                Logging::logger("app")->error("invoice {}: could not queue the offline payment's metadata: {}",
                                              id.toStdString(), r.error().detail.toStdString());
        });
    }
    Q_EMIT invoiceActionFinished(req.invoiceId, req.action, ok, ok ? QString() : entry.errorMessage);
}

} // namespace Billing
