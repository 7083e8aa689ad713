#include "services/promotions/customercreditservice.h"

#include "services/operations/operationrunner.h"
#include "services/platform/logging.h"
#include "services/stripe/stripeclient.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QUuid>

#include <memory>

namespace Billing {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Billing::CustomerCreditService", text);
}

Error validation(const QString &userMessage, const QString &detail = {})
{
    return Error::make(Error::Kind::Validation, userMessage, detail);
}

std::optional<BalanceTransaction> parseTransaction(const QJsonObject &o, const Currency &fallback)
{
    if (o.value(QLatin1String("object")).toString() != QLatin1String("customer_balance_transaction"))
        return std::nullopt;
    const std::optional<Currency> cur = Currency::fromCode(o.value(QLatin1String("currency")).toString());
    if (!cur && !fallback.isValid())
        return std::nullopt;
    const Currency c = cur ? *cur : fallback;
    const QJsonValue amount = o.value(QLatin1String("amount"));
    const QJsonValue ending = o.value(QLatin1String("ending_balance"));
    if (!amount.isDouble() || !ending.isDouble())
        return std::nullopt;
    BalanceTransaction t;
    t.id = o.value(QLatin1String("id")).toString();
    t.created = QDateTime::fromSecsSinceEpoch(o.value(QLatin1String("created")).toInteger(), Qt::UTC);
    t.type = o.value(QLatin1String("type")).toString();
    t.amount = Money(amount.toInteger(), c);
    t.endingBalance = Money(ending.toInteger(), c);
    t.description = o.value(QLatin1String("description")).toString();
    const auto idOf = [](const QJsonValue &v) {
        return v.isObject() ? v.toObject().value(QLatin1String("id")).toString() : v.toString();
    };
    t.invoiceId = idOf(o.value(QLatin1String("invoice")));
    t.creditNoteId = idOf(o.value(QLatin1String("credit_note")));
    const QJsonObject md = o.value(QLatin1String("metadata")).toObject();
    for (auto it = md.constBegin(); it != md.constEnd(); ++it)
        t.metadata.insert(it.key(), it.value().toString());
    return t;
}

} // namespace

Money CreditLedger::totalCredits() const
{
    qint64 sum = 0;
    for (const BalanceTransaction &t : transactions)
        sum += t.amount.isNegative() ? -t.amount.minor() : 0;
    return Money(sum, currency);
}

Money CreditLedger::totalDebits() const
{
    qint64 sum = 0;
    for (const BalanceTransaction &t : transactions)
        sum += t.amount.isNegative() ? 0 : t.amount.minor();
    return Money(sum, currency);
}

QString balanceInWords(const Money &balance, const QLocale &locale)
{
    if (!balance.isValid() || balance.isZero())
        return QCoreApplication::translate("Billing::CustomerCreditService", "No balance: the customer neither has credit nor owes anything.");
    if (balance.isNegative())
        return QCoreApplication::translate("Billing::CustomerCreditService",
                                           "Credit of %1: the customer's next invoices are reduced by it.")
            .arg(Money(-balance.minor(), balance.currency()).toLocaleString(locale));
    return QCoreApplication::translate("Billing::CustomerCreditService",
                                       "Owes %1: it is added to the customer's next invoice.")
        .arg(balance.toLocaleString(locale));
}

QString balanceTransactionKind(const BalanceTransaction &t)
{
    const QString kind = t.metadata.value(QStringLiteral("kind"));
    if (kind == QLatin1String("goodwill"))
        return tr("Goodwill credit");
    if (kind == QLatin1String("referral_reward"))
        return tr("Referral reward");
    if (t.type == QLatin1String("applied_to_invoice"))
        return tr("Applied to invoice");
    if (t.type == QLatin1String("credit_note"))
        return tr("Credit note");
    if (t.type == QLatin1String("invoice_overpaid"))
        return tr("Invoice overpaid");
    if (t.type == QLatin1String("initial"))
        return tr("Opening balance");
    if (t.type == QLatin1String("unapplied_from_invoice"))
        return tr("Returned from invoice");
    if (t.type == QLatin1String("adjustment"))
        return t.isCredit() ? tr("Credit") : tr("Debit");
    return t.type;
}

CustomerCreditService::CustomerCreditService(StripeClient *client, OperationRunner *runner, QObject *parent)
    : QObject(parent), m_client(client), m_runner(runner)
{
    if (m_runner)
        connect(m_runner, &OperationRunner::operationFinished, this, &CustomerCreditService::onFinished);
}

CustomerCreditService::~CustomerCreditService() = default;

QString CustomerCreditService::newSessionOpId(const QString &customerId)
{
    return QStringLiteral("credit:%1:%2").arg(customerId, QUuid::createUuid().toString(QUuid::WithoutBraces));
}

void CustomerCreditService::load(const QString &customerId, QObject *context,
                                 std::function<void(Result<CreditLedger>)> handler)
{
    QPointer<QObject> guard(context);
    auto deliver = [guard, handler](Result<CreditLedger> r) {
        if (guard && handler)
            handler(std::move(r));
    };
    if (customerId.isEmpty() || !m_client) {
        const Error e = customerId.isEmpty() ? validation(tr("Select a customer first."))
                                             : Error::make(Error::Kind::Cancelled, tr("The console is shutting down."));
        QMetaObject::invokeMethod(this, [deliver, e] { deliver(e); }, Qt::QueuedConnection);
        return;
    }
    m_client->get(QStringLiteral("/v1/customers/") + customerId, {}, this,
                  [this, customerId, deliver](Result<QJsonObject> c) {
        if (!c)
            return deliver(c.error());
        auto ledger = std::make_shared<CreditLedger>();
        ledger->customerId = customerId;
        ledger->customerName = c->value(QLatin1String("name")).toString();
        if (const auto cur = Currency::fromCode(c->value(QLatin1String("currency")).toString()))
            ledger->currency = *cur;
        ledger->balance = Money(c->value(QLatin1String("balance")).toInteger(), ledger->currency);
        auto bad = std::make_shared<bool>(false);
        m_client->listAll(
            QStringLiteral("/v1/customers/%1/balance_transactions").arg(customerId), {}, this,
            [ledger, bad](const QJsonArray &page) {
                for (const QJsonValue &v : page) {
                    const auto t = parseTransaction(v.toObject(), ledger->currency);
                    if (!t) {
                        *bad = true;
                        return false;
                    }
                    if (!ledger->currency.isValid())
                        ledger->currency = t->amount.currency();
                    ledger->transactions << *t;
                }
                return true;
            },
            [ledger, bad, deliver](Status s) {
                if (!s)
                    return deliver(s.error());
                if (*bad)
                    return deliver(Error::make(Error::Kind::InvalidResponse,
                                               tr("Stripe's answer about the customer's balance could not be read."),
                                               QStringLiteral("customer balance transaction without amount or currency")));
                if (!ledger->balance.isValid())
                    ledger->balance = Money(ledger->balance.minor(), ledger->currency);
                ledger->loadedAt = QDateTime::currentDateTimeUtc();
                deliver(*ledger);
            });
    });
}

Result<Money> CustomerCreditService::parseAmount(const CreditLedger &ledger, QStringView text, const QLocale &locale)
{
    if (!ledger.currency.isValid())
        return validation(tr("The customer has no currency yet, so no credit can be given."));
    if (text.trimmed().isEmpty())
        return validation(tr("Enter an amount."));
    Money::ParseOptions options;
    options.allowNegative = false;
    options.allowZero = false;
    return Money::parse(text, ledger.currency, locale, options);
}

Status CustomerCreditService::validate(const CreditLedger &ledger, const GoodwillRequest &request)
{
    if (ledger.customerId.isEmpty() || !ledger.currency.isValid())
        return validation(tr("The customer's balance is not loaded yet."));
    if (!request.amount.isValid() || request.amount.currency() != ledger.currency)
        return validation(tr("The credit must be in %1, the customer's currency.").arg(ledger.currency.code()));
    if (request.amount.isNegative() || request.amount.isZero())
        return validation(tr("The credit must be more than zero."));
    const int step = ledger.currency.stripeAmountStep();
    if (step > 1 && request.amount.minor() % step != 0)
        return validation(tr("Stripe only accepts %1 amounts in steps of %2.")
                              .arg(ledger.currency.code(), Money(step, ledger.currency).toDecimalString()));
    if (request.reason.trimmed().isEmpty())
        return validation(tr("Say why the customer gets this credit."));
    if (request.reason.size() > MaxReasonLength)
        return validation(tr("The reason is too long (at most %1 characters).").arg(MaxReasonLength));
    return {};
}

OutboxOperation CustomerCreditService::goodwillOperation(const CreditLedger &ledger, const GoodwillRequest &request)
{
    OutboxOperation op;
    op.operation = QString::fromLatin1(GoodwillOp);
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/customers/%1/balance_transactions").arg(ledger.customerId);
    op.clientOpId = request.clientOpId;
    const QString reason = request.reason.trimmed();
    op.params = QJsonObject{{QStringLiteral("amount"), -request.amount.minor()}, // negative: a credit
                            {QStringLiteral("currency"), ledger.currency.stripeCode()},
                            {QStringLiteral("description"), tr("Goodwill credit: %1").arg(reason)},
                            {QStringLiteral("metadata"), QJsonObject{{QStringLiteral("kind"), QStringLiteral("goodwill")},
                                                                     {QStringLiteral("reason"), reason}}}};
    return op;
}

void CustomerCreditService::applyGoodwill(const CreditLedger &ledger, const GoodwillRequest &request, QObject *context,
                                          std::function<void(Result<OutboxEntry>)> queued)
{
    QPointer<QObject> guard(context);
    auto refuse = [this, guard, queued](Error e) {
        QMetaObject::invokeMethod(this, [guard, queued, e] {
            if (guard)
                queued(e);
        }, Qt::QueuedConnection);
    };
    if (Status st = validate(ledger, request); !st)
        return refuse(st.error());
    if (!m_runner)
        return refuse(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    GoodwillRequest req = request;
    if (req.clientOpId.isEmpty())
        req.clientOpId = newSessionOpId(ledger.customerId);
    OperationRequest op;
    op.permission = Permission::ApplyCredit;
    op.amount = req.amount;
    op.outbox = goodwillOperation(ledger, req);
    op.targetType = QStringLiteral("customer");
    op.targetId = ledger.customerId;
    op.beforeSummary = tr("Balance %1 %2").arg(ledger.balance.toDecimalString(), ledger.currency.code());
    op.intentSummary = tr("Goodwill credit of %1 %2 (reason: %3)")
                           .arg(req.amount.toDecimalString(), ledger.currency.code(), req.reason.trimmed());
    m_runner->submit(op, context, std::move(queued));
}

void CustomerCreditService::credit(const QString &customerId, const Money &amount, const QString &description,
                                   const QMap<QString, QString> &metadata, const QString &clientOpId,
                                   const QString &operation, const QString &intentSummary, QObject *context,
                                   std::function<void(Result<OutboxEntry>)> queued)
{
    QPointer<QObject> guard(context);
    auto refuse = [this, guard, queued](Error e) {
        QMetaObject::invokeMethod(this, [guard, queued, e] {
            if (guard)
                queued(e);
        }, Qt::QueuedConnection);
    };
    if (customerId.isEmpty() || !amount.isValid() || amount.isNegative() || amount.isZero())
        return refuse(validation(tr("A credit needs a customer and an amount above zero.")));
    if (!m_runner)
        return refuse(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    QJsonObject md;
    for (auto it = metadata.cbegin(); it != metadata.cend(); ++it)
        md.insert(it.key(), it.value());
    OperationRequest op;
    op.permission = Permission::ApplyCredit;
    op.amount = amount;
    op.outbox.operation = operation.isEmpty() ? QString::fromLatin1(CreditOp) : operation;
    op.outbox.method = QStringLiteral("POST");
    op.outbox.path = QStringLiteral("/v1/customers/%1/balance_transactions").arg(customerId);
    op.outbox.clientOpId = clientOpId;
    op.outbox.params = QJsonObject{{QStringLiteral("amount"), -amount.minor()},
                                   {QStringLiteral("currency"), amount.currency().stripeCode()},
                                   {QStringLiteral("description"), description},
                                   {QStringLiteral("metadata"), md}};
    op.targetType = QStringLiteral("customer");
    op.targetId = customerId;
    op.intentSummary = intentSummary;
    m_runner->submit(op, context, std::move(queued));
}

void CustomerCreditService::onFinished(const OutboxEntry &entry)
{
    if (!entry.path.endsWith(QLatin1String("/balance_transactions")) || !entry.path.startsWith(QLatin1String("/v1/customers/")))
        return;
    Q_EMIT creditFinished(entry, entry.path.section(QLatin1Char('/'), 3, 3));
}

} // namespace Billing
