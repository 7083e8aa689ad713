#include "services/terms/paymenttermsservice.h"

#include "services/operations/operationrunner.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/stripe/stripeclient.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QUuid>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::PaymentTermsService", text); }

Error cancelled() { return Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")); }

template <typename T>
void later(QObject *context, std::function<void(T)> handler, T value)
{
    QPointer<QObject> guard(context);
    QMetaObject::invokeMethod(context, [guard, handler, value] {
        if (guard)
            handler(value);
    }, Qt::QueuedConnection);
}

} // namespace

PaymentTermsService::PaymentTermsService(StripeClient *client, OperationRunner *runner, AsyncBillingDatabase *billingDb,
                                         QObject *parent)
    : QObject(parent), m_client(client), m_runner(runner), m_billingDb(billingDb)
{
}

PaymentTermsService::~PaymentTermsService() = default;

void PaymentTermsService::customerDefaults(const QString &customerId, QObject *context,
                                           std::function<void(Result<std::optional<StoredPaymentTerms>>)> handler)
{
    if (!m_billingDb)
        return later<Result<std::optional<StoredPaymentTerms>>>(context, handler, cancelled());
    m_billingDb->thread().run(
        context, [customerId](BillingDatabase &db) { return PaymentTermsRepository(db).load(customerId); }, std::move(handler));
}

OutboxOperation PaymentTermsService::customerOperation(const QString &customerId, const PaymentTerms &terms,
                                                       const QString &clientOpId)
{
    OutboxOperation op;
    op.operation = QStringLiteral("customer.payment_terms");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/customers/") + customerId;
    op.params = terms.customerParams();
    op.clientOpId = clientOpId;
    return op;
}

void PaymentTermsService::saveCustomerDefaults(const QString &customerId, const PaymentTerms &terms, QObject *context,
                                               std::function<void(Status)> handler,
                                               std::function<void(Result<OutboxEntry>)> queued)
{
    if (!customerId.startsWith(QLatin1String("cus_")))
        return later<Status>(context, handler, Error::make(Error::Kind::Validation, tr("That is not a customer id.")));
    if (!m_runner || !m_billingDb)
        return later<Status>(context, handler, cancelled());
    if (Status st = m_runner->policy().check(m_runner->actor(), Permission::ManagePaymentTerms); !st)
        return later<Status>(context, handler, st);
    if (Status st = terms.validate(); !st)
        return later<Status>(context, handler, st);
    const QString actor = m_runner->actor().tag();
    QPointer<PaymentTermsService> self(this);
    m_billingDb->thread().run(
        context, [customerId, terms, actor](BillingDatabase &db) { return PaymentTermsRepository(db).save(customerId, terms, actor); },
        [self, customerId, terms, context, handler, queued](Status st) {
            if (!st || !self)
                return handler(st);
            Q_EMIT self->customerTermsChanged(customerId);
            if (!self->m_runner)
                return handler(cancelled());
            // The customer's invoice settings on Stripe, for the invoices Stripe makes itself.
            OperationRequest req;
            req.permission = Permission::ManagePaymentTerms;
            req.outbox = customerOperation(customerId, terms,
                                           QStringLiteral("terms:%1:%2").arg(customerId, QUuid::createUuid().toString(QUuid::WithoutBraces)));
            req.targetType = QStringLiteral("customer");
            req.targetId = customerId;
            QStringList what;
            for (const InvoiceCustomField &f : terms.customFields())
                what << QStringLiteral("%1: %2").arg(f.name, f.value);
            if (!terms.footer.trimmed().isEmpty())
                what << tr("footer");
            req.intentSummary = what.isEmpty() ? tr("Clear the invoice custom fields and footer")
                                               : tr("Invoice defaults: %1").arg(what.join(QStringLiteral("; ")));
            self->m_runner->submit(req, context, [handler, queued](Result<OutboxEntry> entry) {
                if (queued)
                    queued(entry);
                handler(entry ? Status{} : Status(entry.error()));
            });
        });
}

void PaymentTermsService::loadSubscription(const QString &subscriptionId, QObject *context,
                                           std::function<void(Result<SubscriptionTermsContext>)> handler)
{
    if (!subscriptionId.startsWith(QLatin1String("sub_")))
        return later<Result<SubscriptionTermsContext>>(context, handler,
                                                        Error::make(Error::Kind::Validation, tr("That is not a subscription id.")));
    if (!m_client)
        return later<Result<SubscriptionTermsContext>>(context, handler, cancelled());
    m_client->get(QStringLiteral("/v1/subscriptions/") + subscriptionId, {}, context, [handler](Result<QJsonObject> r) {
        if (!r)
            return handler(r.error());
        const QJsonObject s = r.value();
        SubscriptionTermsContext c;
        c.subscriptionId = s.value(QLatin1String("id")).toString();
        const QJsonValue cus = s.value(QLatin1String("customer"));
        c.customerId = cus.isObject() ? cus.toObject().value(QLatin1String("id")).toString() : cus.toString();
        const auto cur = Currency::fromCode(s.value(QLatin1String("currency")).toString());
        if (!cur)
            return handler(Error::make(Error::Kind::Validation, tr("The subscription is in a currency the console does not know.")));
        c.currency = *cur;
        const QString status = s.value(QLatin1String("status")).toString();
        if (status == QLatin1String("canceled") || status == QLatin1String("incomplete_expired"))
            return handler(Error::make(Error::Kind::Validation, tr("This subscription has ended; its terms can no longer change.")));
        c.current.collection = s.value(QLatin1String("collection_method")).toString() == QLatin1String("send_invoice")
            ? PaymentTerms::Collection::SendInvoice
            : PaymentTerms::Collection::ChargeAutomatically;
        c.current.daysUntilDue = s.value(QLatin1String("days_until_due")).toInt(30);
        for (const QJsonValue &t : s.value(QLatin1String("payment_settings")).toObject().value(QLatin1String("payment_method_types")).toArray())
            c.current.paymentMethodTypes << t.toString();
        handler(c);
    });
}

OutboxOperation PaymentTermsService::subscriptionOperation(const SubscriptionTermsContext &context, const PaymentTerms &terms,
                                                           const QString &clientOpId)
{
    OutboxOperation op;
    op.operation = QStringLiteral("subscription.payment_terms");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/subscriptions/") + context.subscriptionId;
    op.params = terms.subscriptionParams(context.currency);
    op.clientOpId = clientOpId;
    return op;
}

void PaymentTermsService::applyToSubscription(const SubscriptionTermsContext &context, const PaymentTerms &terms,
                                              const QString &clientOpId, QObject *receiver,
                                              std::function<void(Result<OutboxEntry>)> queued)
{
    if (Status st = terms.validate(context.currency); !st)
        return later<Result<OutboxEntry>>(receiver, queued, st.error());
    if (!m_runner)
        return later<Result<OutboxEntry>>(receiver, queued, cancelled());
    OperationRequest req;
    req.permission = Permission::ManagePaymentTerms;
    req.outbox = subscriptionOperation(context, terms,
                                       clientOpId.isEmpty() ? QStringLiteral("terms:%1:%2").arg(context.subscriptionId, QUuid::createUuid().toString(QUuid::WithoutBraces))
                                                            : clientOpId);
    req.targetType = QStringLiteral("subscription");
    req.targetId = context.subscriptionId;
    req.beforeSummary = context.current.label();
    QString intent = tr("Set terms to %1").arg(terms.label());
    if (!terms.paymentMethodTypes.isEmpty())
        intent += tr("; accept %1").arg(terms.paymentMethodTypes.join(QLatin1String(", ")));
    req.intentSummary = intent;
    m_runner->submit(req, receiver, std::move(queued));
}

OutboxOperation PaymentTermsService::invoiceOperation(const QString &customerId, const Currency &currency, const PaymentTerms &terms,
                                                      const QJsonObject &extra, const QString &clientOpId)
{
    OutboxOperation op;
    op.operation = QStringLiteral("invoice.create");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/invoices");
    QJsonObject p = terms.invoiceParams(currency);
    p.insert(QStringLiteral("customer"), customerId);
    p.insert(QStringLiteral("currency"), currency.stripeCode());
    p.insert(QStringLiteral("pending_invoice_items_behavior"), QStringLiteral("exclude"));
    for (auto it = extra.begin(); it != extra.end(); ++it)
        p.insert(it.key(), it.value());
    // A fixed due date replaces Net days (Stripe takes one or the other).
    if (p.contains(QLatin1String("due_date")))
        p.remove(QStringLiteral("days_until_due"));
    op.params = p;
    op.clientOpId = clientOpId;
    return op;
}

void PaymentTermsService::createInvoice(const QString &customerId, const Currency &currency, const PaymentTerms &terms,
                                        const QJsonObject &extra, const QString &clientOpId, QObject *receiver,
                                        std::function<void(Result<OutboxEntry>)> queued)
{
    if (!customerId.startsWith(QLatin1String("cus_")))
        return later<Result<OutboxEntry>>(receiver, queued, Error::make(Error::Kind::Validation, tr("That is not a customer id.")));
    if (Status st = terms.validate(currency); !st)
        return later<Result<OutboxEntry>>(receiver, queued, st.error());
    if (extra.contains(QLatin1String("due_date")) && !terms.isSendInvoice())
        return later<Result<OutboxEntry>>(receiver, queued,
                                          Error::make(Error::Kind::Validation, tr("A due date only applies to invoices sent for payment.")));
    if (!m_runner)
        return later<Result<OutboxEntry>>(receiver, queued, cancelled());
    OperationRequest req;
    req.permission = Permission::ManagePaymentTerms;
    req.outbox = invoiceOperation(customerId, currency, terms, extra,
                                  clientOpId.isEmpty() ? QStringLiteral("invoice:%1:%2").arg(customerId, QUuid::createUuid().toString(QUuid::WithoutBraces))
                                                       : clientOpId);
    req.targetType = QStringLiteral("customer");
    req.targetId = customerId;
    req.beforeSummary = tr("No invoice yet");
    req.intentSummary = tr("Create a %1 invoice (%2)%3")
                            .arg(currency.code(), terms.label(),
                                 terms.poNumber.isEmpty() ? QString() : tr(", PO %1").arg(terms.poNumber));
    m_runner->submit(req, receiver, std::move(queued));
}

void PaymentTermsService::createInvoiceWithDefaults(const QString &customerId, const Currency &currency, const QJsonObject &extra,
                                                    const QString &clientOpId, QObject *receiver,
                                                    std::function<void(Result<OutboxEntry>)> queued)
{
    QPointer<PaymentTermsService> self(this);
    QPointer<QObject> ctx(receiver);
    customerDefaults(customerId, receiver, [=](Result<std::optional<StoredPaymentTerms>> stored) {
        if (!stored)
            return queued(stored.error());
        if (!self || !ctx)
            return queued(cancelled());
        const PaymentTerms terms = stored.value() ? stored.value()->terms : PaymentTerms{};
        self->createInvoice(customerId, currency, terms, extra, clientOpId, ctx.data(), queued);
    });
}

} // namespace Billing
