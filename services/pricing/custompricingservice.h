#pragma once

#include "services/domain/customer.h"
#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"
#include "services/pricing/customdeal.h"
#include "services/storage/billingdatabase.h"

#include <QHash>
#include <QObject>

#include <functional>

namespace Billing {

class AsyncBillingDatabase;
class OperationRunner;

// Custom (enterprise) pricing: a negotiated price for one customer with a ramp (phases), a
// minimum commitment, and an approval step.
//
// prepare() checks typed input (amounts in major units, refused with more decimals than the
// currency has or off Stripe's step; the customer's fixed currency; phases) and works out the
// discount against the list price. submit() stores the deal in the billing database: a discount
// above the workspace's limit (setting "pricing.approval_discount_percent", default 10) or a
// request by someone who may not change prices (support) waits as "pending"; otherwise it is
// approved at once. approve()/reject() (Permission::ApproveCustomPricing; the approver must not
// be the requester: four eyes) decide a pending deal. An approved deal is sent through the OperationRunner (Permission::
// ChangePrices): one POST /v1/prices per phase (metadata customer, custom_deal, phase, months,
// minimum_commitment_minor), and, for a subscription, when all prices exist, POST
// /v1/subscription_schedules (from_subscription) then POST /v1/subscription_schedules/{id} with one
// phase per ramp step (items[0][price], quantity, duration in months). dealChanged(id) follows
// every state change. GUI thread; asynchronous; handlers run on `context` while it lives.
class CustomPricingService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CustomPricingService)
public:
    struct PhaseInput
    {
        int months = 12;     // 0 = open-ended (last phase only)
        QString unitAmount;  // typed, major units ("45.00", "4500" JPY)
    };
    struct DealInput
    {
        Customer customer;            // id, name and fixed currency (may be empty)
        QString currency;             // the deal's currency
        QString productId;
        QString listPriceId;
        qint64 listUnitAmountMinor = 0;
        qint64 quantity = 1;
        QString interval = QStringLiteral("month");
        QList<PhaseInput> phases;
        QString minimumCommitment;    // typed, major units; empty = none
        QString subscriptionId;
    };

    static constexpr int kDefaultApprovalLimitPercent = 10;
    static constexpr const char *kApprovalLimitSetting = "pricing.approval_discount_percent";

    CustomPricingService(OperationRunner *runner, AsyncBillingDatabase *billingDb, QObject *parent = nullptr);

    // Pure: Validation with a plain message on bad input; the deal (status Pending, not stored).
    static Result<CustomDeal> prepare(const DealInput &input, const QLocale &locale = QLocale::c());
    // Percent from the settings rows; the default when absent or not a number in [0, 100].
    static int approvalLimitPercent(const QList<WorkspaceSetting> &settings);
    // Whether a deal with this discount needs someone else's approval (given limit and requester role).
    static bool needsApproval(int discountPermille, int limitPercent, StaffRole requester);

    void submit(const CustomDeal &deal, QObject *context, std::function<void(Result<CustomDeal>)> done);
    void approve(qint64 dealId, const QString &note, QObject *context, std::function<void(Result<CustomDeal>)> done);
    void reject(qint64 dealId, const QString &note, QObject *context, std::function<void(Result<CustomDeal>)> done);
    void deals(const QString &status, QObject *context, std::function<void(Result<QList<CustomDeal>>)> done);
    void approvalLimit(QObject *context, std::function<void(Result<int>)> done);

Q_SIGNALS:
    void dealChanged(qint64 dealId);

private:
    struct Sending
    {
        CustomDeal deal;
        QHash<qint64, int> priceEntries; // outbox entry -> phase index
        QList<QString> priceIds;         // per phase, filled as Stripe answers
        qint64 scheduleCreateEntry = 0;
        qint64 scheduleUpdateEntry = 0;
        QList<qint64> allEntries;
    };
    void send(const CustomDeal &deal);
    void onOperationFinished(const OutboxEntry &entry);
    void scheduleCreate(qint64 dealId);
    void scheduleUpdate(qint64 dealId, const QString &scheduleId);
    void finishSending(qint64 dealId, const QString &failure);
    void load(qint64 dealId, QObject *context, std::function<void(Result<CustomDeal>)> done);

    OperationRunner *m_runner;
    AsyncBillingDatabase *m_billingDb;
    QHash<qint64, Sending> m_sending;
};

} // namespace Billing
