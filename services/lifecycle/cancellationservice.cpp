#include "services/lifecycle/cancellationservice.h"

#include "services/operations/operationrunner.h"
#include "services/platform/logging.h"
#include "services/storage/asyncbillingdatabase.h"

#include <QCoreApplication>
#include <QJsonArray>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::CancellationService", text); }

Error validation(const QString &text) { return Error::make(Error::Kind::Validation, text); }

QString subscriptionPath(const QString &id) { return QStringLiteral("/v1/subscriptions/") + id; }

QString beforeSummary(const SubscriptionRow &row)
{
    const Subscription &s = row.subscription;
    QString text = QStringLiteral("%1, %2 %3 per %4, %5")
                       .arg(row.planName.isEmpty() ? s.id : row.planName)
                       .arg(row.amountMinor)
                       .arg(s.currency.toUpper(), row.interval, s.status);
    if (s.cancelAtPeriodEnd)
        text += QStringLiteral(", cancels at period end");
    if (!s.pauseBehavior.isEmpty())
        text += QStringLiteral(", collection paused (%1)").arg(s.pauseBehavior);
    return text;
}

QJsonObject cancellationDetails(const CancellationCase &c)
{
    QJsonObject details{{QStringLiteral("feedback"), cancellationReasonName(c.reason)}};
    if (!c.comment.trimmed().isEmpty())
        details.insert(QStringLiteral("comment"), c.comment.trimmed());
    return details;
}

Status validateCase(const CancellationCase &c)
{
    if (c.row.subscription.id.isEmpty())
        return validation(tr("No subscription is selected."));
    if (c.row.subscription.status == QLatin1String("canceled")
        || c.row.subscription.status == QLatin1String("incomplete_expired"))
        return validation(tr("This subscription has already ended."));
    if (c.sessionId.isEmpty())
        return validation(tr("The cancellation has no session id."));
    if (c.comment.size() > 500)
        return validation(tr("The comment is too long (at most 500 characters)."));
    return {};
}

RetentionRecord baseRecord(const CancellationCase &c, const RetentionOffer &offer, const QString &actor)
{
    RetentionRecord r;
    r.subscriptionId = c.row.subscription.id;
    r.customerId = c.row.subscription.customerId;
    r.reason = cancellationReasonName(c.reason);
    r.comment = c.comment.trimmed();
    r.offerKind = retentionOfferKindName(offer.kind);
    switch (offer.kind) {
    case RetentionOfferKind::Discount:
        r.offerDetail = QStringLiteral("coupon %1 (%2 percent off, %3 months)")
                            .arg(offer.couponId)
                            .arg(offer.percentOff)
                            .arg(offer.durationMonths);
        break;
    case RetentionOfferKind::Pause:
        r.offerDetail = QStringLiteral("pause %1 months").arg(offer.pauseMonths);
        break;
    case RetentionOfferKind::CheaperPlan:
        r.offerDetail = QStringLiteral("price %1").arg(offer.priceId);
        break;
    case RetentionOfferKind::None:
        break;
    }
    r.revenueAtStakeMinor = offer.monthlyBefore.minor();
    r.currency = c.row.subscription.currency.toLower();
    r.actor = actor;
    return r;
}

} // namespace

CancellationService::CancellationService(OperationRunner *runner, AsyncBillingDatabase *billingDb,
                                         RetentionRules rules, QObject *parent)
    : QObject(parent), m_runner(runner), m_billingDb(billingDb), m_rules(std::move(rules))
{
    if (runner)
        connect(runner, &OperationRunner::operationFinished, this, &CancellationService::onOperationFinished);
}

CancellationService::~CancellationService() = default;

bool CancellationService::mayCancel() const
{
    return m_runner && AccessPolicy::allows(m_runner->actor().role, Permission::CancelSubscription);
}

Result<QList<RetentionOffer>> CancellationService::offers(CancellationReason reason, const SubscriptionRow &row,
                                                          const QList<Price> &prices,
                                                          const QList<Product> &products) const
{
    return retentionOffersFor(reason, row, prices, products, m_rules);
}

void CancellationService::acceptOffer(const CancellationCase &c, int offerIndex, const QDateTime &now,
                                      QObject *context, Handler handler)
{
    auto fail = [&](const Error &e) {
        QMetaObject::invokeMethod(context, [handler, e] { handler(e); }, Qt::QueuedConnection);
    };
    if (Status s = validateCase(c); !s)
        return fail(s.error());
    if (offerIndex < 0 || offerIndex >= c.offersMade.size())
        return fail(validation(tr("Choose one of the offers.")));
    if (!m_runner)
        return fail(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    const RetentionOffer &offer = c.offersMade.at(offerIndex);
    const Subscription &sub = c.row.subscription;

    OperationRequest request;
    request.targetType = QStringLiteral("subscription");
    request.targetId = sub.id;
    request.beforeSummary = beforeSummary(c.row);
    request.outbox.method = QStringLiteral("POST");
    request.outbox.path = subscriptionPath(sub.id);
    request.outbox.clientOpId = QStringLiteral("retention:%1:%2:accept").arg(c.sessionId, sub.id);
    QJsonObject params;
    switch (offer.kind) {
    case RetentionOfferKind::Discount:
        if (offer.couponId.isEmpty())
            return fail(validation(tr("The discount offer names no coupon.")));
        request.permission = Permission::CancelSubscription;
        request.outbox.operation = QStringLiteral("subscription.retention_discount");
        params.insert(QStringLiteral("discounts"), QJsonArray{QJsonObject{{QStringLiteral("coupon"), offer.couponId}}});
        break;
    case RetentionOfferKind::Pause: {
        if (offer.pauseMonths <= 0)
            return fail(validation(tr("The pause offer has no length.")));
        request.permission = Permission::PauseSubscription;
        request.outbox.operation = QStringLiteral("subscription.retention_pause");
        const QDateTime resumes = now.toUTC().addMonths(offer.pauseMonths);
        params.insert(QStringLiteral("pause_collection"),
                      QJsonObject{{QStringLiteral("behavior"), QStringLiteral("keep_as_draft")},
                                  {QStringLiteral("resumes_at"), resumes.toSecsSinceEpoch()}});
        break;
    }
    case RetentionOfferKind::CheaperPlan: {
        if (sub.items.size() != 1 || offer.priceId.isEmpty())
            return fail(validation(tr("A cheaper plan can only replace the plan of a one-item subscription.")));
        request.permission = Permission::ChangePlan;
        request.outbox.operation = QStringLiteral("subscription.retention_plan");
        params.insert(QStringLiteral("items"),
                      QJsonArray{QJsonObject{{QStringLiteral("id"), sub.items.first().id},
                                             {QStringLiteral("price"), offer.priceId}}});
        params.insert(QStringLiteral("proration_behavior"), QStringLiteral("none"));
        break;
    }
    case RetentionOfferKind::None:
        return fail(validation(tr("Choose one of the offers.")));
    }
    request.outbox.params = params;
    request.intentSummary = tr("Customer stays (%1): %2").arg(cancellationReasonName(c.reason), offer.summary());

    QList<RetentionRecord> records;
    for (int i = 0; i < c.offersMade.size(); ++i) {
        RetentionRecord r = baseRecord(c, c.offersMade.at(i), m_runner->actor().tag());
        r.accepted = i == offerIndex;
        r.revenueKeptMinor = r.accepted ? c.offersMade.at(i).monthlyAfter.minor() : 0;
        // A pause keeps the subscription: what is saved is what it brings once it resumes.
        if (r.accepted && offer.kind == RetentionOfferKind::Pause)
            r.revenueKeptMinor = offer.monthlyBefore.minor();
        records << r;
    }
    submitAndRecord(request, records, context, std::move(handler));
}

void CancellationService::cancel(const CancellationCase &c, const CancelTiming &timing, const QDateTime &now,
                                 QObject *context, Handler handler)
{
    auto fail = [&](const Error &e) {
        QMetaObject::invokeMethod(context, [handler, e] { handler(e); }, Qt::QueuedConnection);
    };
    if (Status s = validateCase(c); !s)
        return fail(s.error());
    if (!m_runner)
        return fail(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    const Subscription &sub = c.row.subscription;
    if (timing.atPeriodEnd && (timing.prorate || timing.invoiceNow))
        return fail(validation(tr("A prorated credit and a final invoice apply only to cancelling now.")));
    if (timing.atPeriodEnd && sub.cancelAtPeriodEnd)
        return fail(validation(tr("This subscription is already set to cancel at the end of its period.")));
    if (timing.atPeriodEnd && sub.currentPeriodEnd().isValid() && sub.currentPeriodEnd() <= now)
        return fail(validation(tr("The current period has already ended; cancel now instead.")));

    OperationRequest request;
    request.permission = Permission::CancelSubscription;
    request.targetType = QStringLiteral("subscription");
    request.targetId = sub.id;
    request.beforeSummary = beforeSummary(c.row);
    request.outbox.path = subscriptionPath(sub.id);
    QJsonObject params{{QStringLiteral("cancellation_details"), cancellationDetails(c)}};
    if (timing.atPeriodEnd) {
        request.outbox.operation = QStringLiteral("subscription.cancel_at_period_end");
        request.outbox.method = QStringLiteral("POST");
        request.outbox.clientOpId = QStringLiteral("cancel:%1:%2:period_end").arg(c.sessionId, sub.id);
        params.insert(QStringLiteral("cancel_at_period_end"), true);
        request.intentSummary = tr("Cancel at the end of the period (%1), reason %2")
                                    .arg(sub.currentPeriodEnd().toUTC().toString(Qt::ISODate),
                                         cancellationReasonName(c.reason));
    } else {
        request.outbox.operation = QStringLiteral("subscription.cancel");
        request.outbox.method = QStringLiteral("DELETE");
        request.outbox.clientOpId = QStringLiteral("cancel:%1:%2:now").arg(c.sessionId, sub.id);
        params.insert(QStringLiteral("prorate"), timing.prorate);
        params.insert(QStringLiteral("invoice_now"), timing.invoiceNow);
        request.intentSummary = tr("Cancel now, %1, %2, reason %3")
                                    .arg(timing.prorate ? tr("prorated credit") : tr("no prorated credit"),
                                         timing.invoiceNow ? tr("final invoice now") : tr("no final invoice"),
                                         cancellationReasonName(c.reason));
    }
    request.outbox.params = params;

    QList<RetentionRecord> records;
    if (c.offersMade.isEmpty()) {
        RetentionOffer none;
        if (const auto cur = Currency::fromCode(sub.currency)) {
            if (auto m = monthlyAmount(c.row.amountMinor, *cur, c.row.interval, c.row.intervalCount))
                none.monthlyBefore = *m;
        }
        records << baseRecord(c, none, m_runner->actor().tag());
    } else {
        for (const RetentionOffer &offer : c.offersMade)
            records << baseRecord(c, offer, m_runner->actor().tag());
    }
    submitAndRecord(request, records, context, std::move(handler));
}

void CancellationService::undoCancellation(const Subscription &sub, const QDateTime &now, const QString &sessionId,
                                           QObject *context, Handler handler)
{
    auto fail = [&](const Error &e) {
        QMetaObject::invokeMethod(context, [handler, e] { handler(e); }, Qt::QueuedConnection);
    };
    if (!m_runner)
        return fail(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    if (sub.status == QLatin1String("canceled"))
        return fail(validation(tr("This subscription has already ended; it cannot be restored.")));
    if (!sub.cancelAtPeriodEnd)
        return fail(validation(tr("This subscription is not set to cancel at the end of its period.")));
    if (sub.currentPeriodEnd().isValid() && sub.currentPeriodEnd() <= now)
        return fail(validation(tr("The period has already ended; the cancellation cannot be undone.")));
    if (sessionId.isEmpty())
        return fail(validation(tr("The request has no session id.")));

    OperationRequest request;
    request.permission = Permission::CancelSubscription;
    request.targetType = QStringLiteral("subscription");
    request.targetId = sub.id;
    request.beforeSummary = QStringLiteral("%1, %2, cancels at period end %3")
                                .arg(sub.id, sub.status, sub.currentPeriodEnd().toUTC().toString(Qt::ISODate));
    request.intentSummary = tr("Undo the cancellation: the subscription renews as before");
    request.outbox.operation = QStringLiteral("subscription.undo_cancel");
    request.outbox.method = QStringLiteral("POST");
    request.outbox.path = subscriptionPath(sub.id);
    request.outbox.clientOpId = QStringLiteral("cancel:%1:%2:undo").arg(sessionId, sub.id);
    request.outbox.params = QJsonObject{{QStringLiteral("cancel_at_period_end"), false}};
    submitAndRecord(request, {}, context, std::move(handler));
}

void CancellationService::submitAndRecord(const OperationRequest &request, QList<RetentionRecord> records,
                                          QObject *context, Handler handler)
{
    QPointer<CancellationService> self(this);
    QPointer<QObject> ctx(context);
    // Nothing to record for an undo, or when the role is refused (the runner audits the refusal).
    if (records.isEmpty() || !m_billingDb || !m_runner->policy().check(m_runner->actor(), request.permission)) {
        m_runner->submit(request, context, std::move(handler));
        return;
    }
    const QString clientOpId = request.outbox.clientOpId;
    for (RetentionRecord &r : records) {
        r.clientOpId = clientOpId;
        r.outcome = RetentionOutcome::Pending;
    }
    // 1. The records, pending, before anything is queued: a crash after the outbox commit cannot
    //    lose them, and a second submit of the same session finds them and writes nothing.
    m_billingDb->thread().run(
        this, [records](BillingDatabase &db) { return RetentionRepository(db).record(records); },
        [self, ctx, request, clientOpId, handler](Result<QList<qint64>> stored) {
            if (!ctx)
                return;
            if (!stored) {
                Error e = stored.error();
                e.userMessage = tr("Nothing was sent to Stripe: the retention record could not be saved. %1")
                                    .arg(e.userMessage);
                handler(e);
                return;
            }
            if (!self || !self->m_runner) {
                handler(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
                return;
            }
            // 2. The Stripe write. 3. The records linked to its entry (or not applied when refused).
            self->m_runner->submit(request, self.data(), [self, ctx, clientOpId, handler](Result<OutboxEntry> queued) {
                if (!self || !self->m_billingDb) {
                    if (ctx)
                        handler(queued);
                    return;
                }
                if (!queued) {
                    self->settle(clientOpId, {}, RetentionOutcome::NotApplied);
                    if (ctx)
                        handler(queued);
                    return;
                }
                const OutboxEntry entry = *queued;
                self->m_billingDb->thread().run(
                    self,
                    [clientOpId, entry](BillingDatabase &db) {
                        return RetentionRepository(db).attachEntry(clientOpId, entry.id, entry.idempotencyKey);
                    },
                    [ctx, entry, handler](Result<int> linked) {
                        if (!linked)
                            Logging::logger("app")->error(
                                "outbox entry {}: could not link its retention records: {}", entry.id,
                                linked.error().detail.toStdString());
                        if (ctx)
                            handler(entry);
                    });
            });
        });
}

void CancellationService::onOperationFinished(const OutboxEntry &entry)
{
    static const QStringList Retention{QStringLiteral("subscription.retention_discount"),
                                       QStringLiteral("subscription.retention_pause"),
                                       QStringLiteral("subscription.retention_plan"),
                                       QStringLiteral("subscription.cancel_at_period_end"),
                                       QStringLiteral("subscription.cancel")};
    if (!Retention.contains(entry.operation) || entry.isOpen())
        return;
    const RetentionOutcome outcome =
        entry.state == OutboxState::Succeeded ? RetentionOutcome::Confirmed : RetentionOutcome::NotApplied;
    settle(entry.clientOpId, entry.idempotencyKey, outcome);
}

void CancellationService::settle(const QString &clientOpId, const QString &idempotencyKey, RetentionOutcome outcome)
{
    if (!m_billingDb || (clientOpId.isEmpty() && idempotencyKey.isEmpty()))
        return;
    QPointer<CancellationService> self(this);
    m_billingDb->thread().run(
        this,
        [clientOpId, idempotencyKey, outcome](BillingDatabase &db) {
            return RetentionRepository(db).settle(clientOpId, idempotencyKey, outcome, QDateTime::currentDateTimeUtc());
        },
        [self, clientOpId](Result<QStringList> settled) {
            if (!settled) {
                // Still pending: reconcile() settles it from the audit log at the next start.
                Logging::logger("app")->error("retention records of {}: could not save the outcome: {}",
                                              clientOpId.toStdString(), settled.error().detail.toStdString());
                return;
            }
            if (self)
                for (const QString &id : std::as_const(*settled))
                    Q_EMIT self->retentionRecorded(id);
        });
}

void CancellationService::reconcile(QObject *context, std::function<void(Result<int>)> done)
{
    QPointer<CancellationService> self(this);
    m_billingDb->thread().run(
        context,
        [](BillingDatabase &db) { return RetentionRepository(db).settleFromAudit(QDateTime::currentDateTimeUtc()); },
        [self, done](Result<QStringList> settled) {
            if (settled && self)
                for (const QString &id : std::as_const(*settled))
                    Q_EMIT self->retentionRecorded(id);
            if (done)
                done(settled ? Result<int>(int(settled->size())) : Result<int>(settled.error()));
        });
}

void CancellationService::report(const QDateTime &from, const QDateTime &to, QObject *context,
                                 std::function<void(Result<RetentionReport>)> handler)
{
    m_billingDb->thread().run(
        context,
        [from, to](BillingDatabase &db) -> Result<RetentionReport> {
            auto records = RetentionRepository(db).records(from, to);
            if (!records)
                return records.error();
            return RetentionReport::build(*records);
        },
        std::move(handler));
}

void CancellationService::reportRows(const QDateTime &from, const QDateTime &to, QObject *context,
                                     std::function<void(Result<QList<QStringList>>)> handler)
{
    report(from, to, context, [handler](Result<RetentionReport> r) {
        if (!r)
            handler(r.error());
        else
            handler(r->rows());
    });
}

} // namespace Billing
