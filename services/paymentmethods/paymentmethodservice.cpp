#include "services/paymentmethods/paymentmethodservice.h"

#include "services/operations/operationrunner.h"
#include "services/platform/logging.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "services/stripe/stripeparser.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QLocale>
#include <QSet>
#include <QSqlQuery>
#include <QTimeZone>
#include <QUuid>

#include <memory>

namespace Billing {

namespace {

QString tr(const char *text, const char *disambiguation = nullptr, int n = -1)
{
    return QCoreApplication::translate("Billing::PaymentMethodService", text, disambiguation, n);
}

Error validation(const QString &userMessage, const QString &detail = {})
{
    return Error::make(Error::Kind::Validation, userMessage, detail);
}

QString brandName(const QString &brand)
{
    static const QHash<QString, QString> names{{QStringLiteral("visa"), QStringLiteral("Visa")},
                                               {QStringLiteral("mastercard"), QStringLiteral("Mastercard")},
                                               {QStringLiteral("amex"), QStringLiteral("American Express")},
                                               {QStringLiteral("discover"), QStringLiteral("Discover")},
                                               {QStringLiteral("jcb"), QStringLiteral("JCB")},
                                               {QStringLiteral("diners"), QStringLiteral("Diners Club")},
                                               {QStringLiteral("unionpay"), QStringLiteral("UnionPay")}};
    if (const auto it = names.constFind(brand); it != names.constEnd())
        return it.value();
    QString s = brand;
    if (!s.isEmpty())
        s[0] = s[0].toUpper();
    return s.isEmpty() ? tr("Card") : s;
}

} // namespace

bool PaymentMethodSubscription::bills() const
{
    return status == QLatin1String("active") || status == QLatin1String("trialing")
        || status == QLatin1String("past_due") || status == QLatin1String("unpaid")
        || status == QLatin1String("incomplete") || status == QLatin1String("paused");
}

const PaymentMethod *PaymentMethodsView::method(const QString &id) const
{
    for (const PaymentMethod &m : methods) {
        if (m.id == id)
            return &m;
    }
    return nullptr;
}

QStringList PaymentMethodsView::subscriptionsUsing(const QString &id) const
{
    QStringList out;
    for (const PaymentMethodSubscription &s : subscriptions) {
        if (s.defaultPaymentMethod == id)
            out << s.id;
    }
    return out;
}

QString PaymentMethodsView::effectiveMethodOf(const PaymentMethodSubscription &subscription) const
{
    return subscription.defaultPaymentMethod.isEmpty() ? defaultPaymentMethod : subscription.defaultPaymentMethod;
}

QString PaymentMethodsView::detachWarning(const QString &id) const
{
    QStringList billing;
    QStringList charged; // billing subscriptions charged to this method
    for (const PaymentMethodSubscription &s : subscriptions) {
        if (!s.bills())
            continue;
        billing << s.id;
        if (effectiveMethodOf(s) == id)
            charged << s.id;
    }
    if (billing.isEmpty())
        return {};
    if (methods.size() == 1 && methods.first().id == id)
        return tr("This is the customer's only payment method and %n active subscription(s) (%1) bill it. "
                  "Without a payment method their next invoices cannot be paid automatically.",
                  nullptr, int(billing.size()))
            .arg(billing.join(QStringLiteral(", ")));
    if (!charged.isEmpty())
        return tr("%n active subscription(s) (%1) charge this payment method. After detaching it, their "
                  "invoices fall back to another default or cannot be paid automatically; set another "
                  "method first.",
                  nullptr, int(charged.size()))
            .arg(charged.join(QStringLiteral(", ")));
    return {};
}

QString paymentMethodExpiry(const PaymentMethod &m)
{
    if (m.expMonth <= 0 || m.expYear <= 0)
        return {};
    return QStringLiteral("%1/%2").arg(m.expMonth, 2, 10, QLatin1Char('0')).arg(m.expYear);
}

QString paymentMethodLabel(const PaymentMethod &m)
{
    const QString dots = QStringLiteral("\u2022\u2022\u2022\u2022 ") + m.last4;
    if (m.type == QLatin1String("card")) {
        const QString expiry = paymentMethodExpiry(m);
        return expiry.isEmpty() ? tr("%1 %2").arg(brandName(m.brand), dots)
                                : tr("%1 %2, expires %3").arg(brandName(m.brand), dots, expiry);
    }
    if (m.type == QLatin1String("us_bank_account"))
        return tr("%1 %2 (bank account)").arg(m.bankName.isEmpty() ? tr("Bank") : m.bankName, dots);
    if (m.type == QLatin1String("sepa_debit"))
        return tr("SEPA Direct Debit %1").arg(dots);
    return m.last4.isEmpty() ? m.type : tr("%1 %2").arg(m.type, dots);
}

PaymentMethodService::PaymentMethodService(StripeClient *client, OperationRunner *runner, AsyncLocalCache *cache,
                                           QObject *parent)
    : QObject(parent), m_client(client), m_runner(runner), m_cache(cache)
{
    if (m_runner)
        connect(m_runner, &OperationRunner::operationFinished, this, &PaymentMethodService::onFinished);
}

PaymentMethodService::~PaymentMethodService() = default;

QString PaymentMethodService::newSessionOpId(const QString &customerId)
{
    return QStringLiteral("pm:%1:%2").arg(customerId, QUuid::createUuid().toString(QUuid::WithoutBraces));
}

QUrl PaymentMethodService::defaultReturnUrl()
{
    return QUrl(QStringLiteral("https://example.com/billing/payment-method-saved"));
}

// ---------------------------------------------------------------- reading

struct LoadState
{
    QPointer<QObject> context;
    std::function<void(Result<PaymentMethodsView>)> handler;
    PaymentMethodsView view;
    QList<Customer> customer;
    QList<Subscription> subscriptions;
    int left = 3;
    std::optional<Error> error;
};

void PaymentMethodService::load(const QString &customerId, QObject *context,
                                std::function<void(Result<PaymentMethodsView>)> handler)
{
    auto st = std::make_shared<LoadState>();
    st->context = context;
    st->handler = std::move(handler);
    st->view.customerId = customerId;
    auto fail = [this, st](Error e) {
        QMetaObject::invokeMethod(this, [st, e] {
            if (st->context && st->handler)
                st->handler(e);
        }, Qt::QueuedConnection);
    };
    if (customerId.isEmpty())
        return fail(validation(tr("Select a customer first.")));
    if (!m_client)
        return fail(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));

    auto partDone = [this, st, customerId]() {
        if (--st->left > 0)
            return;
        if (st->error) {
            Logging::logger("api")->warn("payment methods of {} not loaded: {}", customerId.toStdString(),
                                         st->error->detail.toStdString());
            if (st->context && st->handler)
                st->handler(*st->error);
            return;
        }
        st->view.loadedAt = QDateTime::currentDateTimeUtc();
        const PaymentMethodsView view = st->view;
        if (!m_cache) {
            if (st->context && st->handler)
                st->handler(view);
            return;
        }
        const QList<Customer> customer = st->customer;
        const QList<Subscription> subs = st->subscriptions;
        m_cache->thread().run(
            this,
            [view, customer, subs](LocalCache &cache) -> Status {
                // The customer's cached methods become exactly what Stripe listed.
                Result<QList<PaymentMethod>> old = cache.paymentMethods(view.customerId);
                if (!old)
                    return old.error();
                QSet<QString> listed;
                for (const PaymentMethod &m : view.methods)
                    listed.insert(m.id);
                for (const PaymentMethod &m : *old) {
                    if (!listed.contains(m.id)) {
                        if (Status s = cache.remove(QStringLiteral("payment_method"), m.id); !s)
                            return s;
                    }
                }
                if (Status s = cache.upsertPaymentMethods(view.methods); !s)
                    return s;
                if (Status s = cache.upsertCustomers(customer); !s)
                    return s;
                return cache.upsertSubscriptions(subs);
            },
            [this, st, view](Status s) {
                if (!s)
                    Logging::logger("db")->error("payment methods of {} not cached: {}", view.customerId.toStdString(),
                                                 s.error().detail.toStdString());
                else if (m_cache)
                    m_cache->notifyChanged(QStringLiteral("payment_method"), {view.customerId});
                if (st->context && st->handler)
                    st->handler(view);
            });
    };

    m_client->get(QStringLiteral("/v1/customers/") + customerId, {}, this, [st, partDone](Result<QJsonObject> r) {
        if (!r) {
            st->error = r.error();
        } else {
            Result<Customer> c = StripeParser::customer(*r);
            if (!c) {
                st->error = c.error();
            } else {
                st->view.customerName = c->name;
                st->view.currency = c->currency;
                st->view.defaultPaymentMethod = c->defaultPaymentMethod;
                st->customer = {*c};
            }
        }
        partDone();
    });

    auto methods = std::make_shared<QList<PaymentMethod>>();
    m_client->listAll(
        QStringLiteral("/v1/customers/%1/payment_methods").arg(customerId), {}, this,
        [st, methods](const QJsonArray &page) {
            for (const QJsonValue &v : page) {
                Result<PaymentMethod> m = StripeParser::paymentMethod(v.toObject());
                if (!m) {
                    st->error = m.error();
                    return false;
                }
                *methods << *m;
            }
            return true;
        },
        [st, methods, partDone](Status s) {
            if (!s && !st->error)
                st->error = s.error();
            st->view.methods = *methods;
            partDone();
        });

    auto subs = std::make_shared<QList<Subscription>>();
    FormParams subParams = FormValue::object({{QStringLiteral("customer"), customerId}});
    m_client->listAll(
        QStringLiteral("/v1/subscriptions"), subParams, this,
        [st, subs](const QJsonArray &page) {
            for (const QJsonValue &v : page) {
                Result<Subscription> s = StripeParser::subscription(v.toObject());
                if (!s) {
                    st->error = s.error();
                    return false;
                }
                *subs << *s;
            }
            return true;
        },
        [st, subs, partDone](Status s) {
            if (!s && !st->error)
                st->error = s.error();
            st->subscriptions = *subs;
            for (const Subscription &sub : std::as_const(*subs)) {
                if (sub.status == QLatin1String("canceled") || sub.status == QLatin1String("incomplete_expired"))
                    continue;
                st->view.subscriptions << PaymentMethodSubscription{sub.id, sub.status, sub.defaultPaymentMethod};
            }
            partDone();
        });
}

void PaymentMethodService::cached(const QString &customerId, QObject *context,
                                  std::function<void(Result<QList<PaymentMethod>>)> handler)
{
    if (!m_cache) {
        QPointer<QObject> guard(context);
        QMetaObject::invokeMethod(this, [guard, handler] {
            if (guard)
                handler(QList<PaymentMethod>());
        }, Qt::QueuedConnection);
        return;
    }
    m_cache->paymentMethods(customerId, context, std::move(handler));
}

// ---------------------------------------------------------------- operations

Result<OutboxOperation> PaymentMethodService::setCustomerDefaultOperation(const PaymentMethodsView &view,
                                                                          const QString &methodId)
{
    if (!view.method(methodId))
        return validation(tr("That payment method does not belong to this customer."),
                          QStringLiteral("%1 is not attached to %2").arg(methodId, view.customerId));
    if (view.defaultPaymentMethod == methodId)
        return validation(tr("This payment method is already the customer's default."));
    OutboxOperation op;
    op.operation = QString::fromLatin1(SetCustomerDefaultOp);
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/customers/") + view.customerId;
    op.params = QJsonObject{
        {QStringLiteral("invoice_settings"), QJsonObject{{QStringLiteral("default_payment_method"), methodId}}}};
    return op;
}

Result<OutboxOperation> PaymentMethodService::setSubscriptionDefaultOperation(const PaymentMethodsView &view,
                                                                              const QString &subscriptionId,
                                                                              const QString &methodId)
{
    const PaymentMethodSubscription *sub = nullptr;
    for (const PaymentMethodSubscription &s : view.subscriptions) {
        if (s.id == subscriptionId)
            sub = &s;
    }
    if (!sub)
        return validation(tr("That subscription does not belong to this customer."));
    if (!methodId.isEmpty() && !view.method(methodId))
        return validation(tr("That payment method does not belong to this customer."));
    if (sub->defaultPaymentMethod == methodId)
        return validation(methodId.isEmpty() ? tr("The subscription already uses the customer's default.")
                                             : tr("The subscription already uses this payment method."));
    OutboxOperation op;
    op.operation = QString::fromLatin1(SetSubscriptionDefaultOp);
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/subscriptions/") + subscriptionId;
    // An empty string clears the subscription's own default (it then uses the customer's).
    op.params = QJsonObject{{QStringLiteral("default_payment_method"), methodId}};
    return op;
}

Result<OutboxOperation> PaymentMethodService::detachOperation(const PaymentMethodsView &view, const QString &methodId,
                                                              bool warningAccepted)
{
    if (!view.method(methodId))
        return validation(tr("That payment method does not belong to this customer."));
    const QString warning = view.detachWarning(methodId);
    if (!warning.isEmpty() && !warningAccepted)
        return validation(warning, QStringLiteral("detach %1: warning not accepted").arg(methodId));
    OutboxOperation op;
    op.operation = QString::fromLatin1(DetachOp);
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/payment_methods/%1/detach").arg(methodId);
    return op;
}

void PaymentMethodService::submit(Permission permission, const OutboxOperation &op, const QString &customerId,
                                  const QString &before, const QString &intent, QObject *context,
                                  std::function<void(Result<OutboxEntry>)> queued)
{
    if (!m_runner) {
        QPointer<QObject> guard(context);
        QMetaObject::invokeMethod(this, [guard, queued] {
            if (guard)
                queued(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
        }, Qt::QueuedConnection);
        return;
    }
    OperationRequest request;
    request.permission = permission;
    request.outbox = op;
    request.targetType = QStringLiteral("customer");
    request.targetId = customerId;
    request.beforeSummary = before;
    request.intentSummary = intent;
    m_runner->submit(request, context, std::move(queued));
}

namespace {

QString describe(const PaymentMethodsView &view, const QString &id)
{
    const PaymentMethod *m = view.method(id);
    return m ? paymentMethodLabel(*m) + QStringLiteral(" (") + id + QLatin1Char(')') : id;
}

void refuse(QObject *self, QObject *context, std::function<void(Result<OutboxEntry>)> queued, const Error &e)
{
    QPointer<QObject> guard(context);
    QMetaObject::invokeMethod(self, [guard, queued, e] {
        if (guard)
            queued(e);
    }, Qt::QueuedConnection);
}

} // namespace

void PaymentMethodService::setCustomerDefault(const PaymentMethodsView &view, const QString &methodId,
                                              const QString &clientOpId, QObject *context,
                                              std::function<void(Result<OutboxEntry>)> queued)
{
    Result<OutboxOperation> op = setCustomerDefaultOperation(view, methodId);
    if (!op)
        return refuse(this, context, queued, op.error());
    op->clientOpId = clientOpId;
    const QString before = view.defaultPaymentMethod.isEmpty()
        ? tr("Customer has no default payment method")
        : tr("Customer default: %1").arg(describe(view, view.defaultPaymentMethod));
    submit(Permission::ManagePaymentMethods, *op, view.customerId, before,
           tr("Make %1 the customer's default payment method").arg(describe(view, methodId)), context,
           std::move(queued));
}

void PaymentMethodService::setSubscriptionDefault(const PaymentMethodsView &view, const QString &subscriptionId,
                                                  const QString &methodId, const QString &clientOpId,
                                                  QObject *context, std::function<void(Result<OutboxEntry>)> queued)
{
    Result<OutboxOperation> op = setSubscriptionDefaultOperation(view, subscriptionId, methodId);
    if (!op)
        return refuse(this, context, queued, op.error());
    op->clientOpId = clientOpId;
    QString current;
    for (const PaymentMethodSubscription &s : view.subscriptions) {
        if (s.id == subscriptionId)
            current = s.defaultPaymentMethod;
    }
    const QString before = current.isEmpty() ? tr("Subscription %1 uses the customer's default").arg(subscriptionId)
                                              : tr("Subscription %1 uses %2").arg(subscriptionId, describe(view, current));
    const QString intent = methodId.isEmpty()
        ? tr("Let subscription %1 use the customer's default payment method").arg(subscriptionId)
        : tr("Charge subscription %1 to %2").arg(subscriptionId, describe(view, methodId));
    submit(Permission::ManagePaymentMethods, *op, view.customerId, before, intent, context, std::move(queued));
}

void PaymentMethodService::detach(const PaymentMethodsView &view, const QString &methodId, bool warningAccepted,
                                  const QString &clientOpId, QObject *context,
                                  std::function<void(Result<OutboxEntry>)> queued)
{
    Result<OutboxOperation> op = detachOperation(view, methodId, warningAccepted);
    if (!op)
        return refuse(this, context, queued, op.error());
    op->clientOpId = clientOpId;
    const QString warning = view.detachWarning(methodId);
    QString intent = tr("Detach %1 from the customer").arg(describe(view, methodId));
    if (!warning.isEmpty())
        intent += tr(" (warning accepted: %1)").arg(warning);
    submit(Permission::ManagePaymentMethods, *op, view.customerId,
           tr("%n payment method(s) on file", nullptr, int(view.methods.size())), intent, context, std::move(queued));
}

SetupLink PaymentMethodService::setupLinkFrom(const QJsonObject &session)
{
    SetupLink link;
    link.sessionId = session.value(QLatin1String("id")).toString();
    link.url = QUrl(session.value(QLatin1String("url")).toString());
    const qint64 expires = session.value(QLatin1String("expires_at")).toInteger();
    if (expires > 0)
        link.expiresAt = QDateTime::fromSecsSinceEpoch(expires, Qt::UTC);
    return link;
}

void PaymentMethodService::createSetupLink(const PaymentMethodsView &view, const QString &fallbackCurrency,
                                           const QUrl &successUrl, const QUrl &cancelUrl, QObject *context,
                                           std::function<void(Result<SetupLink>)> done)
{
    QPointer<QObject> guard(context);
    auto reply = [this, guard, done](Result<SetupLink> r) {
        QMetaObject::invokeMethod(this, [guard, done, r] {
            if (guard)
                done(r);
        }, Qt::QueuedConnection);
    };
    const QString currency = (view.currency.isEmpty() ? fallbackCurrency : view.currency).toLower();
    if (view.customerId.isEmpty())
        return reply(validation(tr("Select a customer first.")));
    if (currency.size() != 3)
        return reply(validation(tr("The customer has no currency yet; choose one for the link.")));
    if (!successUrl.isValid() || successUrl.scheme() != QLatin1String("https"))
        return reply(validation(tr("The return page must be an https:// address.")));
    OutboxOperation op;
    op.operation = QString::fromLatin1(SetupLinkOp);
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/checkout/sessions");
    QJsonArray types{QStringLiteral("card")};
    if (currency == QLatin1String("usd"))
        types.append(QStringLiteral("us_bank_account"));
    op.params = QJsonObject{{QStringLiteral("mode"), QStringLiteral("setup")},
                            {QStringLiteral("customer"), view.customerId},
                            {QStringLiteral("currency"), currency},
                            {QStringLiteral("allowed_payment_method_types"), types},
                            {QStringLiteral("success_url"), successUrl.toString()},
                            {QStringLiteral("cancel_url"), (cancelUrl.isValid() ? cancelUrl : successUrl).toString()},
                            {QStringLiteral("metadata"), QJsonObject{{QStringLiteral("purpose"), QStringLiteral("add_payment_method")}}}};
    op.clientOpId = newSessionOpId(view.customerId);
    submit(Permission::ManagePaymentMethods, op, view.customerId,
           tr("%n payment method(s) on file", nullptr, int(view.methods.size())),
           tr("Create a link where the customer adds a payment method (Checkout, setup mode, %1)").arg(currency.toUpper()),
           this, [this, reply](Result<OutboxEntry> entry) {
               if (!entry)
                   return reply(entry.error());
               m_waiting.insert(entry->id, [reply](const OutboxEntry &e) {
                   if (e.state != OutboxState::Succeeded)
                       return reply(Error::make(Error::Kind::Server,
                                                e.errorMessage.isEmpty() ? tr("Stripe did not create the link.") : e.errorMessage,
                                                QStringLiteral("checkout session entry %1: %2").arg(e.id).arg(outboxStateName(e.state))));
                   const SetupLink link = setupLinkFrom(e.result);
                   if (!link.url.isValid() || link.url.isEmpty())
                       return reply(Error::make(Error::Kind::InvalidResponse, tr("Stripe's answer had no link.")));
                   reply(link);
               });
           });
}

void PaymentMethodService::onFinished(const OutboxEntry &entry)
{
    const bool ours = entry.operation == QLatin1String(SetCustomerDefaultOp)
        || entry.operation == QLatin1String(SetSubscriptionDefaultOp) || entry.operation == QLatin1String(DetachOp)
        || entry.operation == QLatin1String(SetupLinkOp);
    if (!ours)
        return;
    if (auto waiting = m_waiting.take(entry.id))
        waiting(entry);
    QString customerId;
    if (entry.operation == QLatin1String(SetCustomerDefaultOp))
        customerId = entry.path.section(QLatin1Char('/'), 3, 3);
    else if (entry.operation == QLatin1String(SetSubscriptionDefaultOp))
        customerId = entry.result.value(QLatin1String("customer")).toString();
    else if (entry.operation == QLatin1String(SetupLinkOp))
        customerId = entry.params.value(QLatin1String("customer")).toString();
    if (entry.operation == QLatin1String(DetachOp) && entry.state == OutboxState::Succeeded && m_cache) {
        // Stripe answers with the method, no longer attached; the runner does not cache methods.
        const QString methodId = entry.path.section(QLatin1Char('/'), 3, 3);
        customerId = entry.result.value(QLatin1String("customer")).toString();
        m_cache->thread().run(
            this,
            [methodId](LocalCache &cache) -> Result<QString> {
                QSqlQuery q(cache.database());
                q.prepare(QStringLiteral("SELECT customer_id FROM payment_methods WHERE id = ?"));
                q.addBindValue(methodId);
                QString owner;
                if (q.exec() && q.next())
                    owner = q.value(0).toString();
                q.finish();
                if (Status s = cache.remove(QStringLiteral("payment_method"), methodId); !s)
                    return s.error();
                return owner;
            },
            [this, entry, methodId](Result<QString> owner) {
                if (!owner)
                    Logging::logger("db")->error("detached payment method {} stays in the cache: {}",
                                                 methodId.toStdString(), owner.error().detail.toStdString());
                else
                    m_cache->notifyChanged(QStringLiteral("payment_method"), {methodId});
                Q_EMIT operationDone(entry, owner ? *owner : QString());
            });
        return;
    }
    Q_EMIT operationDone(entry, customerId);
}

} // namespace Billing
