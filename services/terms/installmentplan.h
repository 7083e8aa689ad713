#pragma once

#include "services/domain/money.h"
#include "services/domain/result.h"

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QString>

namespace Billing {

// Where the rounding remainder of an installment split goes.
enum class RemainderPlacement { Last, First };

// Splits `total` into `count` installments exactly: every installment is total / count rounded
// down to the currency's Stripe amount step (1 minor unit; 10 for three-decimal currencies such
// as KWD, whose amounts Stripe only takes in multiples of 10), and the remainder (fewer than
// `count` steps) goes onto the last installment (or the first). The parts always sum to total.
// Validation when count is outside 2..MaxInstallments, total <= 0, total is not a multiple of the
// step, or an installment would be zero.
namespace InstallmentSplit {
constexpr int MaxInstallments = 36;
Result<QList<Money>> split(const Money &total, int count, RemainderPlacement placement = RemainderPlacement::Last);
} // namespace InstallmentSplit

// One scheduled invoice of a plan. The invoice is created on issueAt (the run picks it up from then
// on) and is due on dueAt; each Stripe write of it has its own clientOpId, so however often a run is
// repeated or resumed, Stripe gets each write once.
struct Installment
{
    enum class Stage { Scheduled, InvoiceCreated, ItemAdded, Finalized };
    int seq = 0; // 1-based
    Money amount;
    QDateTime issueAt; // UTC
    QDateTime dueAt;   // UTC
    Stage stage = Stage::Scheduled;
    QString invoiceId;
    QString invoiceItemId;
    QString invoiceStatus;   // Stripe's, as last refreshed: draft | open | paid | void | uncollectible
    qint64 amountPaidMinor = 0;

    bool isPaid() const { return invoiceStatus == QLatin1String("paid"); }
    QString clientOpId(qint64 planId, const QString &step) const; // "installment:<plan>:<seq>:<step>"
};

struct InstallmentPlan
{
    qint64 id = 0;
    QString customerId;
    Money total;
    QString description; // on every invoice line ("Implementation fee, 2 of 6")
    QString poNumber;    // invoice custom field "PO number", optional
    RemainderPlacement remainder = RemainderPlacement::Last;
    QDateTime createdAt;
    QString createdBy;
    QList<Installment> installments;

    Money paid() const;      // sum of paid installments' amount_paid
    Money remaining() const; // total - paid
    int paidCount() const;
};

// What the agent asks for.
struct InstallmentPlanDraft
{
    QString customerId;
    Money total;
    int count = 3;
    QDate firstDue;         // the first installment's due date; then monthly (same day, clamped)
    int issueDaysBefore = 14; // invoices are created this many days before they are due (0..60)
    QString description;
    QString poNumber;
    RemainderPlacement remainder = RemainderPlacement::Last;

    // The plan (no id) with its installments, or Validation. today: the first due date must not be
    // earlier.
    Result<InstallmentPlan> build(const QDate &today) const;
};

} // namespace Billing
