#include "services/pricing/custompricingservice.h"

#include "services/domain/money.h"
#include "services/operations/operationrunner.h"
#include "services/pricing/currencypolicy.h"
#include "services/pricing/customdealrepository.h"
#include "services/storage/asyncbillingdatabase.h"

#include <QJsonArray>
#include <QJsonObject>

namespace Billing {

namespace {

Error invalid(const QString &message) { return Error::make(Error::Kind::Validation, message); }

} // namespace

CustomPricingService::CustomPricingService(OperationRunner *runner, AsyncBillingDatabase *billingDb, QObject *parent)
    : QObject(parent), m_runner(runner), m_billingDb(billingDb)
{
    connect(m_runner, &OperationRunner::operationFinished, this, &CustomPricingService::onOperationFinished);
}

Result<CustomDeal> CustomPricingService::prepare(const DealInput &input, const QLocale &locale)
{
    if (input.customer.id.isEmpty())
        return invalid(tr("Choose the customer the price is negotiated for."));
    if (input.productId.isEmpty())
        return invalid(tr("Choose the product the price is for."));
    const auto currency = Currency::fromCode(input.currency);
    if (!currency)
        return invalid(tr("'%1' is not a currency Stripe supports.").arg(input.currency));
    if (Status s = CurrencyPolicy::checkCurrency(input.customer, input.currency); !s)
        return s.error();
    if (input.quantity <= 0)
        return invalid(tr("The quantity must be at least 1."));
    if (input.interval != QLatin1String("month") && input.interval != QLatin1String("year"))
        return invalid(tr("Bill monthly or yearly."));
    if (input.phases.isEmpty())
        return invalid(tr("Enter at least one negotiated price."));
    Money::ParseOptions strict;
    strict.allowZero = false;
    CustomDeal deal;
    deal.customerId = input.customer.id;
    deal.customerName = input.customer.name;
    deal.currency = currency->stripeCode();
    deal.productId = input.productId;
    deal.listPriceId = input.listPriceId;
    deal.listUnitAmountMinor = input.listUnitAmountMinor;
    deal.quantity = input.quantity;
    deal.interval = input.interval;
    deal.subscriptionId = input.subscriptionId;
    int deepest = 0;
    for (int i = 0; i < input.phases.size(); ++i) {
        const PhaseInput &p = input.phases.at(i);
        const bool last = i == input.phases.size() - 1;
        if (p.months < 0 || (p.months == 0 && !last))
            return invalid(tr("Phase %1 needs a length in months: only the last phase may run on without end.").arg(i + 1));
        auto amount = Money::parse(p.unitAmount, *currency, locale, strict);
        if (!amount)
            return invalid(tr("Phase %1: %2").arg(i + 1).arg(amount.error().userMessage));
        deal.phases << RampPhase{p.months, amount->minor()};
        if (input.listUnitAmountMinor > 0 && amount->minor() < input.listUnitAmountMinor) {
            const qint64 off = input.listUnitAmountMinor - amount->minor();
            deepest = std::max(deepest, int(off * 1000 / input.listUnitAmountMinor));
        }
    }
    if (!input.minimumCommitment.trimmed().isEmpty()) {
        auto minimum = Money::parse(input.minimumCommitment, *currency, locale, Money::ParseOptions{});
        if (!minimum)
            return invalid(tr("Minimum commitment: %1").arg(minimum.error().userMessage));
        deal.minimumCommitmentMinor = minimum->minor();
    }
    deal.discountPermille = deepest;
    return deal;
}

int CustomPricingService::approvalLimitPercent(const QList<WorkspaceSetting> &settings)
{
    for (const WorkspaceSetting &s : settings) {
        if (s.key != QLatin1String(kApprovalLimitSetting))
            continue;
        bool ok = false;
        const int v = s.value.trimmed().toInt(&ok);
        if (ok && v >= 0 && v <= 100)
            return v;
    }
    return kDefaultApprovalLimitPercent;
}

bool CustomPricingService::needsApproval(int discountPermille, int limitPercent, StaffRole requester)
{
    // Above the limit: always a second person (four eyes). Within it: sent at once by someone who
    // may change prices; a support agent's request waits for finance.
    return discountPermille > limitPercent * 10 || !AccessPolicy::allows(requester, Permission::ChangePrices);
}

void CustomPricingService::approvalLimit(QObject *context, std::function<void(Result<int>)> done)
{
    m_billingDb->thread().run(
        context,
        [](BillingDatabase &db) -> Result<int> {
            auto settings = db.settingsList();
            if (!settings)
                return settings.error();
            return approvalLimitPercent(*settings);
        },
        std::move(done));
}

void CustomPricingService::submit(const CustomDeal &input, QObject *context, std::function<void(Result<CustomDeal>)> done)
{
    const Actor actor = m_runner->actor();
    if (actor.role != StaffRole::Admin && actor.role != StaffRole::Finance && actor.role != StaffRole::Support) {
        done(Error::make(Error::Kind::Unauthorized, tr("A read-only profile cannot ask for a custom price.")));
        return;
    }
    CustomDeal deal = input;
    deal.requestedBy = actor.tag();
    deal.createdAt = QDateTime::currentDateTimeUtc();
    m_billingDb->thread().run(
        this,
        [deal, role = actor.role](BillingDatabase &db) mutable -> Result<CustomDeal> {
            auto settings = db.settingsList();
            if (!settings)
                return settings.error();
            const int limit = approvalLimitPercent(*settings);
            if (needsApproval(deal.discountPermille, limit, role)) {
                deal.status = CustomDeal::Status::Pending;
                deal.note = deal.discountPermille > limit * 10
                                ? tr("A discount of %1.%2% is above the %3% limit: another person with approval rights "
                                     "must approve it.")
                                      .arg(deal.discountPermille / 10)
                                      .arg(deal.discountPermille % 10)
                                      .arg(limit)
                                : tr("Requested by support: finance must approve it.");
            } else {
                deal.status = CustomDeal::Status::Approved;
                deal.decidedBy = deal.requestedBy;
                deal.decidedAt = deal.createdAt;
            }
            CustomDealRepository repo(db);
            auto id = repo.insert(deal);
            if (!id)
                return id.error();
            deal.id = *id;
            return deal;
        },
        [this, guard = QPointer<QObject>(context), done](Result<CustomDeal> stored) {
            if (stored) {
                Q_EMIT dealChanged(stored->id);
                if (stored->status == CustomDeal::Status::Approved)
                    send(*stored);
            }
            if (guard)
                done(stored);
        });
}

void CustomPricingService::approve(qint64 dealId, const QString &note, QObject *context,
                                   std::function<void(Result<CustomDeal>)> done)
{
    const Actor actor = m_runner->actor();
    if (Status s = m_runner->policy().check(actor, Permission::ApproveCustomPricing); !s) {
        done(s.error());
        return;
    }
    m_billingDb->thread().run(
        this,
        [dealId, note, by = actor.tag()](BillingDatabase &db) -> Result<CustomDeal> {
            CustomDealRepository repo(db);
            auto deal = repo.deal(dealId);
            if (!deal)
                return deal.error();
            if (deal->requestedBy == by)
                return Error::make(Error::Kind::Unauthorized,
                                   tr("You asked for this price yourself: someone else with approval rights must approve it."));
            if (Status s = repo.decide(dealId, true, by, note, QDateTime::currentDateTimeUtc()); !s)
                return s.error();
            return repo.deal(dealId);
        },
        [this, guard = QPointer<QObject>(context), done](Result<CustomDeal> decided) {
            if (decided) {
                Q_EMIT dealChanged(decided->id);
                send(*decided);
            }
            if (guard)
                done(decided);
        });
}

void CustomPricingService::reject(qint64 dealId, const QString &note, QObject *context,
                                  std::function<void(Result<CustomDeal>)> done)
{
    const Actor actor = m_runner->actor();
    if (Status s = m_runner->policy().check(actor, Permission::ApproveCustomPricing); !s) {
        done(s.error());
        return;
    }
    if (note.trimmed().isEmpty()) {
        done(invalid(tr("Say why the price is rejected: the requester sees the note.")));
        return;
    }
    m_billingDb->thread().run(
        this,
        [dealId, note, by = actor.tag()](BillingDatabase &db) -> Result<CustomDeal> {
            CustomDealRepository repo(db);
            if (Status s = repo.decide(dealId, false, by, note, QDateTime::currentDateTimeUtc()); !s)
                return s.error();
            return repo.deal(dealId);
        },
        [this, guard = QPointer<QObject>(context), done](Result<CustomDeal> decided) {
            if (decided)
                Q_EMIT dealChanged(decided->id);
            if (guard)
                done(decided);
        });
}

void CustomPricingService::deals(const QString &status, QObject *context,
                                 std::function<void(Result<QList<CustomDeal>>)> done)
{
    m_billingDb->thread().run(
        context, [status](BillingDatabase &db) { return CustomDealRepository(db).deals(status); }, std::move(done));
}

void CustomPricingService::load(qint64 dealId, QObject *context, std::function<void(Result<CustomDeal>)> done)
{
    m_billingDb->thread().run(
        context, [dealId](BillingDatabase &db) { return CustomDealRepository(db).deal(dealId); }, std::move(done));
}

void CustomPricingService::send(const CustomDeal &deal)
{
    Sending sending;
    sending.deal = deal;
    sending.priceIds = QList<QString>(deal.phases.size());
    m_sending.insert(deal.id, sending);
    for (int i = 0; i < deal.phases.size(); ++i) {
        const RampPhase &phase = deal.phases.at(i);
        OperationRequest request;
        request.permission = Permission::ChangePrices;
        request.targetType = QStringLiteral("customer");
        request.targetId = deal.customerId;
        const Money amount(phase.unitAmountMinor, *Currency::fromCode(deal.currency));
        request.intentSummary = tr("Negotiated price for %1, phase %2: %3 %4 per unit per %5%6")
                                    .arg(deal.customerName.isEmpty() ? deal.customerId : deal.customerName)
                                    .arg(i + 1)
                                    .arg(amount.toDecimalString(), amount.currency().code(), deal.interval,
                                         phase.months > 0 ? tr(" for %1 months").arg(phase.months) : QString());
        request.outbox.operation = QStringLiteral("price.create");
        request.outbox.method = QStringLiteral("POST");
        request.outbox.path = QStringLiteral("/v1/prices");
        request.outbox.clientOpId = QStringLiteral("custom-deal-%1-price-%2").arg(deal.id).arg(i);
        QJsonObject metadata{{QStringLiteral("customer"), deal.customerId},
                             {QStringLiteral("custom_deal"), QString::number(deal.id)},
                             {QStringLiteral("phase"), QString::number(i + 1)},
                             {QStringLiteral("phase_months"), QString::number(phase.months)},
                             {QStringLiteral("approved_by"), deal.decidedBy}};
        if (deal.minimumCommitmentMinor > 0)
            metadata.insert(QStringLiteral("minimum_commitment_minor"), QString::number(deal.minimumCommitmentMinor));
        request.outbox.params = QJsonObject{
            {QStringLiteral("currency"), deal.currency},
            {QStringLiteral("product"), deal.productId},
            {QStringLiteral("unit_amount"), phase.unitAmountMinor},
            {QStringLiteral("nickname"), tr("%1, negotiated, phase %2").arg(deal.customerName.isEmpty() ? deal.customerId : deal.customerName).arg(i + 1)},
            {QStringLiteral("recurring"), QJsonObject{{QStringLiteral("interval"), deal.interval}}},
            {QStringLiteral("metadata"), metadata}};
        const qint64 dealId = deal.id;
        m_runner->submit(request, this, [this, dealId, i](Result<OutboxEntry> queued) {
            if (!m_sending.contains(dealId))
                return;
            if (!queued) {
                finishSending(dealId, queued.error().userMessage);
                return;
            }
            Sending &s = m_sending[dealId];
            s.priceEntries.insert(queued->id, i);
            s.allEntries << queued->id;
        });
    }
}

void CustomPricingService::onOperationFinished(const OutboxEntry &entry)
{
    for (auto it = m_sending.begin(); it != m_sending.end(); ++it) {
        Sending &s = it.value();
        const qint64 dealId = it.key();
        const bool ok = entry.state == OutboxState::Succeeded;
        if (s.priceEntries.contains(entry.id)) {
            if (!ok) {
                finishSending(dealId, entry.errorMessage.isEmpty() ? tr("Stripe did not create the price.") : entry.errorMessage);
                return;
            }
            s.priceIds[s.priceEntries.value(entry.id)] = entry.result.value(QLatin1String("id")).toString();
            if (std::all_of(s.priceIds.cbegin(), s.priceIds.cend(), [](const QString &id) { return !id.isEmpty(); })) {
                if (s.deal.subscriptionId.isEmpty())
                    finishSending(dealId, {});
                else
                    scheduleCreate(dealId);
            }
            return;
        }
        if (entry.id == s.scheduleCreateEntry) {
            if (!ok)
                finishSending(dealId, entry.errorMessage);
            else
                scheduleUpdate(dealId, entry.result.value(QLatin1String("id")).toString());
            return;
        }
        if (entry.id == s.scheduleUpdateEntry) {
            finishSending(dealId, ok ? QString() : entry.errorMessage);
            return;
        }
    }
}

void CustomPricingService::scheduleCreate(qint64 dealId)
{
    const Sending &s = m_sending.value(dealId);
    OperationRequest request;
    request.permission = Permission::ChangePrices;
    request.targetType = QStringLiteral("subscription");
    request.targetId = s.deal.subscriptionId;
    request.intentSummary = tr("Put subscription %1 on a schedule for its negotiated ramp").arg(s.deal.subscriptionId);
    request.outbox.operation = QStringLiteral("subscription_schedule.create");
    request.outbox.method = QStringLiteral("POST");
    request.outbox.path = QStringLiteral("/v1/subscription_schedules");
    request.outbox.clientOpId = QStringLiteral("custom-deal-%1-schedule").arg(dealId);
    request.outbox.params = QJsonObject{{QStringLiteral("from_subscription"), s.deal.subscriptionId}};
    m_runner->submit(request, this, [this, dealId](Result<OutboxEntry> queued) {
        if (!m_sending.contains(dealId))
            return;
        if (!queued) {
            finishSending(dealId, queued.error().userMessage);
            return;
        }
        m_sending[dealId].scheduleCreateEntry = queued->id;
        m_sending[dealId].allEntries << queued->id;
    });
}

void CustomPricingService::scheduleUpdate(qint64 dealId, const QString &scheduleId)
{
    const Sending &s = m_sending.value(dealId);
    QJsonArray phases;
    for (int i = 0; i < s.deal.phases.size(); ++i) {
        QJsonObject phase{{QStringLiteral("items"),
                           QJsonArray{QJsonObject{{QStringLiteral("price"), s.priceIds.at(i)},
                                                  {QStringLiteral("quantity"), s.deal.quantity}}}},
                          {QStringLiteral("proration_behavior"), QStringLiteral("none")}};
        if (s.deal.phases.at(i).months > 0)
            phase.insert(QStringLiteral("duration"), QJsonObject{{QStringLiteral("interval"), QStringLiteral("month")},
                                                                 {QStringLiteral("interval_count"), s.deal.phases.at(i).months}});
        phases.append(phase);
    }
    OperationRequest request;
    request.permission = Permission::ChangePrices;
    request.targetType = QStringLiteral("subscription");
    request.targetId = s.deal.subscriptionId;
    request.intentSummary = tr("Ramp subscription %1 through %n negotiated phases", nullptr, int(phases.size()))
                                .arg(s.deal.subscriptionId);
    request.outbox.operation = QStringLiteral("subscription_schedule.update");
    request.outbox.method = QStringLiteral("POST");
    request.outbox.path = QStringLiteral("/v1/subscription_schedules/") + scheduleId;
    request.outbox.clientOpId = QStringLiteral("custom-deal-%1-ramp").arg(dealId);
    request.outbox.params = QJsonObject{{QStringLiteral("phases"), phases},
                                        {QStringLiteral("end_behavior"), QStringLiteral("release")}};
    m_runner->submit(request, this, [this, dealId](Result<OutboxEntry> queued) {
        if (!m_sending.contains(dealId))
            return;
        if (!queued) {
            finishSending(dealId, queued.error().userMessage);
            return;
        }
        m_sending[dealId].scheduleUpdateEntry = queued->id;
        m_sending[dealId].allEntries << queued->id;
    });
}

void CustomPricingService::finishSending(qint64 dealId, const QString &failure)
{
    const Sending s = m_sending.take(dealId);
    m_billingDb->thread().run(
        this,
        [dealId, failure, entries = s.allEntries](BillingDatabase &db) -> Status {
            CustomDealRepository repo(db);
            return failure.isEmpty() ? repo.markSent(dealId, entries) : repo.markFailed(dealId, failure);
        },
        [this, dealId](Status) { Q_EMIT dealChanged(dealId); });
}

} // namespace Billing
