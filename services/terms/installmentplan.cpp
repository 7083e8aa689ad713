#include "services/terms/installmentplan.h"

#include <QCoreApplication>
#include <QTimeZone>

namespace Billing {

namespace {
QString tr(const char *text) { return QCoreApplication::translate("Billing::InstallmentPlan", text); }
Error validation(const QString &message) { return Error::make(Error::Kind::Validation, message); }
} // namespace

Result<QList<Money>> InstallmentSplit::split(const Money &total, int count, RemainderPlacement placement)
{
    if (!total.isValid())
        return validation(tr("The amount has no currency."));
    if (count < 2 || count > MaxInstallments)
        return validation(tr("Choose between 2 and %1 installments.").arg(MaxInstallments));
    if (total.minor() <= 0)
        return validation(tr("The amount must be more than zero."));
    const qint64 step = qMax(1, total.currency().stripeAmountStep());
    if (total.minor() % step != 0)
        return validation(tr("Stripe only accepts %1 amounts in steps of %2.")
                              .arg(total.currency().code(), Money(step, total.currency()).toDecimalString()));
    const qint64 steps = total.minor() / step;
    if (steps < count)
        return validation(tr("%1 is too small to split into %2 installments.").arg(total.toDecimalString()).arg(count));
    const qint64 base = steps / count;
    const qint64 rest = steps % count;
    QList<Money> out;
    out.reserve(count);
    for (int i = 0; i < count; ++i) {
        qint64 part = base;
        const bool takesRest = placement == RemainderPlacement::Last ? i == count - 1 : i == 0;
        if (takesRest)
            part += rest;
        out << Money(part * step, total.currency());
    }
    return out;
}

QString Installment::clientOpId(qint64 planId, const QString &step) const
{
    return QStringLiteral("installment:%1:%2:%3").arg(planId).arg(seq).arg(step);
}

Money InstallmentPlan::paid() const
{
    qint64 sum = 0;
    for (const Installment &i : installments)
        sum += i.isPaid() ? i.amountPaidMinor : 0;
    return Money(sum, total.currency());
}

Money InstallmentPlan::remaining() const { return Money(total.minor() - paid().minor(), total.currency()); }

int InstallmentPlan::paidCount() const
{
    int n = 0;
    for (const Installment &i : installments)
        n += i.isPaid() ? 1 : 0;
    return n;
}

Result<InstallmentPlan> InstallmentPlanDraft::build(const QDate &today) const
{
    if (!customerId.startsWith(QLatin1String("cus_")))
        return validation(tr("Choose a customer."));
    if (!firstDue.isValid())
        return validation(tr("Choose the first due date."));
    if (firstDue < today)
        return validation(tr("The first due date cannot be in the past."));
    if (issueDaysBefore < 0 || issueDaysBefore > 60)
        return validation(tr("Invoices can be issued 0 to 60 days before they are due."));
    if (description.trimmed().isEmpty())
        return validation(tr("Describe what the installments pay for."));
    if (description.size() > 200)
        return validation(tr("The description is too long (at most 200 characters)."));
    if (poNumber.size() > 140)
        return validation(tr("The PO number is too long (at most 140 characters)."));
    Result<QList<Money>> parts = InstallmentSplit::split(total, count, remainder);
    if (!parts)
        return parts.error();
    InstallmentPlan plan;
    plan.customerId = customerId;
    plan.total = total;
    plan.description = description.trimmed();
    plan.poNumber = poNumber.trimmed();
    plan.remainder = remainder;
    for (int i = 0; i < count; ++i) {
        Installment in;
        in.seq = i + 1;
        in.amount = parts->at(i);
        // Monthly on the first due date's day (QDate::addMonths clamps the 31st to short months).
        const QDate due = firstDue.addMonths(i);
        in.dueAt = QDateTime(due, QTime(12, 0), QTimeZone::utc());
        in.issueAt = QDateTime(due.addDays(-issueDaysBefore), QTime(0, 0), QTimeZone::utc());
        plan.installments << in;
    }
    return plan;
}

} // namespace Billing
