#include "services/terms/installmentservice.h"

#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/stripe/stripeclient.h"
#include "services/terms/installmentrepository.h"
#include "services/terms/paymentterms.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QTimer>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::InstallmentService", text); }
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

QString lineDescription(const InstallmentPlan &plan, const Installment &i)
{
    return QStringLiteral("%1 (%2 of %3)").arg(plan.description).arg(i.seq).arg(plan.installments.size());
}

} // namespace

struct InstallmentService::Run
{
    QPointer<QObject> context;
    std::function<void(Result<InstallmentRunReport>)> handler;
    QList<QPair<qint64, Installment>> queue;
    QHash<qint64, InstallmentPlan> plans;
    InstallmentRunReport report;
};

InstallmentService::InstallmentService(StripeClient *client, OperationRunner *runner, OutboxService *outbox,
                                       AsyncBillingDatabase *billingDb, QObject *parent)
    : QObject(parent), m_client(client), m_runner(runner), m_outbox(outbox), m_billingDb(billingDb)
{
}

InstallmentService::~InstallmentService() = default;

OutboxOperation InstallmentService::invoiceOperation(const InstallmentPlan &plan, const Installment &i)
{
    PaymentTerms terms;
    terms.collection = PaymentTerms::Collection::SendInvoice;
    terms.poNumber = plan.poNumber;
    terms.memo = lineDescription(plan, i);
    OutboxOperation op;
    op.operation = QStringLiteral("invoice.create");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/invoices");
    QJsonObject p = terms.invoiceParams(plan.total.currency());
    p.remove(QStringLiteral("days_until_due")); // a fixed due date instead
    p.insert(QStringLiteral("customer"), plan.customerId);
    p.insert(QStringLiteral("currency"), plan.total.currency().stripeCode());
    p.insert(QStringLiteral("due_date"), i.dueAt.toSecsSinceEpoch());
    p.insert(QStringLiteral("pending_invoice_items_behavior"), QStringLiteral("exclude"));
    p.insert(QStringLiteral("auto_advance"), false);
    p.insert(QStringLiteral("metadata"), QJsonObject{{QStringLiteral("installment_plan"), QString::number(plan.id)},
                                                     {QStringLiteral("installment"), QString::number(i.seq)}});
    op.params = p;
    op.clientOpId = i.clientOpId(plan.id, QStringLiteral("invoice"));
    return op;
}

OutboxOperation InstallmentService::itemOperation(const InstallmentPlan &plan, const Installment &i, const QString &invoiceId)
{
    OutboxOperation op;
    op.operation = QStringLiteral("invoiceitem.create");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/invoiceitems");
    op.params = QJsonObject{{QStringLiteral("customer"), plan.customerId},
                            {QStringLiteral("invoice"), invoiceId},
                            {QStringLiteral("amount"), i.amount.minor()},
                            {QStringLiteral("currency"), i.amount.currency().stripeCode()},
                            {QStringLiteral("description"), lineDescription(plan, i)},
                            {QStringLiteral("metadata"), QJsonObject{{QStringLiteral("installment_plan"), QString::number(plan.id)},
                                                                     {QStringLiteral("installment"), QString::number(i.seq)}}}};
    op.clientOpId = i.clientOpId(plan.id, QStringLiteral("item"));
    return op;
}

OutboxOperation InstallmentService::finalizeOperation(qint64 planId, const Installment &i, const QString &invoiceId)
{
    OutboxOperation op;
    op.operation = QStringLiteral("invoice.finalize");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/invoices/%1/finalize").arg(invoiceId);
    op.clientOpId = i.clientOpId(planId, QStringLiteral("finalize"));
    return op;
}

void InstallmentService::createPlan(const InstallmentPlanDraft &draft, QObject *context, std::function<void(Result<qint64>)> handler)
{
    if (!m_runner || !m_billingDb)
        return later<Result<qint64>>(context, handler, cancelled());
    if (Status st = m_runner->policy().check(m_runner->actor(), Permission::ManagePaymentTerms); !st)
        return later<Result<qint64>>(context, handler, st.error());
    Result<InstallmentPlan> plan = draft.build(QDate::currentDate());
    if (!plan)
        return later<Result<qint64>>(context, handler, plan.error());
    const QString actor = m_runner->actor().tag();
    QPointer<InstallmentService> self(this);
    const QString customer = draft.customerId;
    m_billingDb->thread().run(
        context, [p = plan.value(), actor](BillingDatabase &db) { return InstallmentRepository(db).create(p, actor); },
        [self, customer, handler](Result<qint64> id) {
            if (id && self)
                Q_EMIT self->plansChanged(customer);
            handler(id);
        });
}

void InstallmentService::plans(const QString &customerId, QObject *context, std::function<void(Result<QList<InstallmentPlan>>)> handler)
{
    if (!m_billingDb)
        return later<Result<QList<InstallmentPlan>>>(context, handler, cancelled());
    m_billingDb->thread().run(
        context, [customerId](BillingDatabase &db) { return InstallmentRepository(db).plans(customerId); }, std::move(handler));
}

void InstallmentService::runDue(const QDateTime &now, QObject *context, std::function<void(Result<InstallmentRunReport>)> handler)
{
    if (!m_runner || !m_billingDb || !m_outbox)
        return later<Result<InstallmentRunReport>>(context, handler, cancelled());
    if (Status st = m_runner->policy().check(m_runner->actor(), Permission::ManagePaymentTerms); !st)
        return later<Result<InstallmentRunReport>>(context, handler, st.error());
    auto run = std::make_shared<Run>();
    run->context = context;
    run->handler = std::move(handler);
    QPointer<InstallmentService> self(this);
    m_billingDb->thread().run(
        this,
        [now](BillingDatabase &db) -> Result<QPair<QList<QPair<qint64, Installment>>, QList<InstallmentPlan>>> {
            InstallmentRepository repo(db);
            auto due = repo.due(now);
            if (!due)
                return due.error();
            auto plans = repo.plans();
            if (!plans)
                return plans.error();
            return qMakePair(due.value(), plans.value());
        },
        [self, run](Result<QPair<QList<QPair<qint64, Installment>>, QList<InstallmentPlan>>> loaded) {
            if (!loaded) {
                if (run->context)
                    run->handler(loaded.error());
                return;
            }
            run->queue = loaded->first;
            for (const InstallmentPlan &p : loaded->second)
                run->plans.insert(p.id, p);
            run->report.due = int(run->queue.size());
            if (self)
                self->step(run);
        });
}

void InstallmentService::step(const std::shared_ptr<Run> &run)
{
    if (run->queue.isEmpty()) {
        if (run->context)
            run->handler(run->report);
        return;
    }
    const qint64 planId = run->queue.first().first;
    const Installment inst = run->queue.first().second;
    const InstallmentPlan plan = run->plans.value(planId);
    QPointer<InstallmentService> self(this);
    // Called when this installment cannot go further in this run.
    auto giveUp = [self, run](const QString &line, bool pending) {
        if (pending)
            ++run->report.pending;
        else
            run->report.errors << line;
        run->queue.removeFirst();
        if (self)
            self->step(run);
    };
    auto record = [self, run, planId, inst, giveUp](Installment::Stage stage, const QString &invoiceId, const QString &itemId) {
        if (!self || !self->m_billingDb)
            return giveUp(tr("The console is shutting down."), false);
        self->m_billingDb->thread().run(
            self.data(),
            [planId, seq = inst.seq, stage, invoiceId, itemId](BillingDatabase &db) {
                return InstallmentRepository(db).advance(planId, seq, stage, invoiceId, itemId);
            },
            [self, run, stage, invoiceId, itemId, giveUp, inst](Status st) {
                if (!st)
                    return giveUp(tr("Installment %1: %2").arg(inst.seq).arg(st.error().userMessage), false);
                Installment &next = run->queue.first().second;
                next.stage = stage;
                if (!invoiceId.isEmpty())
                    next.invoiceId = invoiceId;
                if (!itemId.isEmpty())
                    next.invoiceItemId = itemId;
                if (stage == Installment::Stage::Finalized) {
                    ++run->report.invoicesCreated;
                    run->queue.removeFirst();
                }
                if (self)
                    self->step(run);
            });
    };
    auto onWrite = [inst, giveUp](std::function<void(const OutboxEntry &)> ok) {
        return [inst, giveUp, ok](Result<OutboxEntry> r) {
            if (!r) {
                if (r.error().kind == Error::Kind::Timeout)
                    return giveUp({}, true);
                return giveUp(tr("Installment %1: %2").arg(inst.seq).arg(r.error().userMessage), false);
            }
            ok(r.value());
        };
    };
    const QString summary = tr("Installment %1 of %2: %3 %4 due %5")
                                .arg(inst.seq)
                                .arg(plan.installments.size())
                                .arg(inst.amount.toDecimalString(), inst.amount.currency().code(), inst.dueAt.date().toString(Qt::ISODate));
    switch (inst.stage) {
    case Installment::Stage::Scheduled:
        submitAndWait(invoiceOperation(plan, inst), plan.customerId, summary, onWrite([record](const OutboxEntry &e) {
            record(Installment::Stage::InvoiceCreated, e.resultObjectId.isEmpty() ? e.result.value(QLatin1String("id")).toString() : e.resultObjectId, {});
        }));
        return;
    case Installment::Stage::InvoiceCreated:
        submitAndWait(itemOperation(plan, inst, inst.invoiceId), plan.customerId, summary, onWrite([record](const OutboxEntry &e) {
            record(Installment::Stage::ItemAdded, {}, e.resultObjectId.isEmpty() ? e.result.value(QLatin1String("id")).toString() : e.resultObjectId);
        }));
        return;
    case Installment::Stage::ItemAdded:
        submitAndWait(finalizeOperation(planId, inst, inst.invoiceId), plan.customerId, summary,
                      onWrite([record](const OutboxEntry &) { record(Installment::Stage::Finalized, {}, {}); }));
        return;
    case Installment::Stage::Finalized:
        run->queue.removeFirst();
        step(run);
        return;
    }
}

void InstallmentService::submitAndWait(const OutboxOperation &op, const QString &customerId, const QString &summary,
                                       std::function<void(Result<OutboxEntry>)> done)
{
    if (!m_runner)
        return later<Result<OutboxEntry>>(this, done, cancelled());
    OperationRequest req;
    req.permission = Permission::ManagePaymentTerms;
    req.outbox = op;
    req.targetType = QStringLiteral("customer");
    req.targetId = customerId;
    req.beforeSummary = summary;
    req.intentSummary = op.operation == QLatin1String("invoice.create") ? tr("Create the installment invoice")
        : op.operation == QLatin1String("invoiceitem.create")           ? tr("Put the installment amount on its invoice")
                                                                        : tr("Finalize the installment invoice");
    QPointer<InstallmentService> self(this);
    m_runner->submit(req, this, [self, done](Result<OutboxEntry> queued) {
        if (!queued)
            return done(queued.error());
        if (!self)
            return done(cancelled());
        self->waitFor(queued->id, 0, done);
    });
}

void InstallmentService::waitFor(qint64 entryId, int waitedMs, std::function<void(Result<OutboxEntry>)> done)
{
    if (!m_outbox)
        return done(cancelled());
    QPointer<InstallmentService> self(this);
    m_outbox->entry(entryId, this, [self, entryId, waitedMs, done](Result<OutboxEntry> e) {
        if (!e)
            return done(e.error());
        if (e->state == OutboxState::Succeeded)
            return done(e.value());
        if (!e->isOpen())
            return done(Error::make(Error::Kind::Server, e->errorMessage.isEmpty() ? tr("Stripe refused the write.") : e->errorMessage));
        if (!self)
            return done(cancelled());
        if (waitedMs >= self->m_writeTimeoutMs)
            return done(Error::make(Error::Kind::Timeout, tr("Still queued; the next run resumes it.")));
        QTimer::singleShot(200, self.data(), [self, entryId, waitedMs, done] {
            if (self)
                self->waitFor(entryId, waitedMs + 200, done);
        });
    });
}

void InstallmentService::refresh(qint64 planId, QObject *context, std::function<void(Result<InstallmentPlan>)> handler)
{
    if (!m_billingDb || !m_client)
        return later<Result<InstallmentPlan>>(context, handler, cancelled());
    QPointer<InstallmentService> self(this);
    QPointer<QObject> ctx(context);
    m_billingDb->thread().run(
        context, [planId](BillingDatabase &db) { return InstallmentRepository(db).plan(planId); },
        [self, ctx, planId, handler](Result<InstallmentPlan> plan) {
            if (!plan)
                return handler(plan.error());
            if (!self || !ctx)
                return handler(cancelled());
            auto left = std::make_shared<int>(0);
            auto result = std::make_shared<InstallmentPlan>(plan.value());
            auto failure = std::make_shared<std::optional<Error>>();
            auto finish = [self, ctx, planId, handler, result, failure] {
                if (*failure)
                    return handler(**failure);
                if (!self || !self->m_billingDb)
                    return handler(cancelled());
                const QList<Installment> list = result->installments;
                self->m_billingDb->thread().run(
                    ctx.data(),
                    [planId, list](BillingDatabase &db) -> Status {
                        InstallmentRepository repo(db);
                        for (const Installment &i : list) {
                            if (i.invoiceId.isEmpty())
                                continue;
                            if (Status st = repo.recordInvoiceStatus(planId, i.seq, i.invoiceStatus, i.amountPaidMinor); !st)
                                return st;
                        }
                        return {};
                    },
                    [handler, result](Status st) {
                        if (!st)
                            return handler(st.error());
                        handler(*result);
                    });
            };
            for (int k = 0; k < result->installments.size(); ++k) {
                if (result->installments[k].invoiceId.isEmpty())
                    continue;
                ++*left;
                self->m_client->get(QStringLiteral("/v1/invoices/") + result->installments[k].invoiceId, {}, ctx.data(),
                                    [k, left, result, failure, finish](Result<QJsonObject> inv) {
                    if (!inv) {
                        if (!*failure)
                            *failure = inv.error();
                    } else {
                        result->installments[k].invoiceStatus = inv->value(QLatin1String("status")).toString();
                        result->installments[k].amountPaidMinor = inv->value(QLatin1String("amount_paid")).toInteger();
                    }
                    if (--*left == 0)
                        finish();
                });
            }
            if (*left == 0)
                finish();
        });
}

} // namespace Billing
