#pragma once

#include "services/domain/result.h"
#include "services/storage/billingdatabase.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

#include <optional>

namespace Billing {

// When an automation rule fires for a failed invoice.
//  OnFailure       each failed attempt (step per attempt count)
//  AfterDays       `days` whole days after the first failure (once)
//  OnFinalAttempt  Stripe has no further retry scheduled (next_payment_attempt null; once)
enum class DunningTrigger { OnFailure, AfterDays, OnFinalAttempt };
// What it does. SendReminder = POST /v1/invoices/{id}/send; NotifyOwner = a row in
// dunning_notifications (+ a status message); Pause = pause_collection on the subscription;
// Cancel = DELETE /v1/subscriptions/{id}; MarkUncollectible = POST /v1/invoices/{id}/mark_uncollectible.
enum class DunningAction { SendReminder, NotifyOwner, Pause, Cancel, MarkUncollectible };

QString dunningTriggerName(DunningTrigger t); // "on_failure", "after_days", "on_final_attempt"
QString dunningActionName(DunningAction a);   // "send_reminder", "notify_owner", "pause", "cancel", "mark_uncollectible"
std::optional<DunningTrigger> dunningTriggerFromName(QStringView name);
std::optional<DunningAction> dunningActionFromName(QStringView name);
QString dunningTriggerLabel(DunningTrigger t, int days); // for people
QString dunningActionLabel(DunningAction a);

struct DunningRule
{
    qint64 id = 0; // 0 = not stored yet
    QString name;
    DunningTrigger trigger = DunningTrigger::OnFailure;
    int days = 0; // AfterDays only, 1..365
    DunningAction action = DunningAction::NotifyOwner;
    bool enabled = true;
    qint64 version = 0; // optimistic concurrency: pass back what you read
    QDateTime updatedAt;
    QString updatedBy;
};

// One decision of the runner: (invoice, step) is unique, written in the same transaction as the
// decision. state: "claimed" (decided, Stripe write not yet queued), "queued" (in the outbox:
// outboxEntryId), "done" (no Stripe write needed, or Stripe answered), "failed", "skipped".
struct DunningRuleRun
{
    QString invoiceId;
    QString stepKey; // "r<rule>" or "r<rule>:a<attempt>"
    qint64 ruleId = 0;
    QString action;  // dunningActionName
    QDateTime decidedAt;
    QString state = QStringLiteral("claimed");
    QString clientOpId; // "dunning:<invoice>:<step>" for Stripe writes
    qint64 outboxEntryId = 0;
    QString detail;
    QString actor;
};

struct DunningNotification
{
    qint64 id = 0;
    QDateTime at;
    QString invoiceId;
    QString owner; // staff email, empty = the whole team
    QString message;
    qint64 ruleId = 0;
};

// A contact, note, owner change or other step an agent took on an invoice.
struct DunningContact
{
    qint64 id = 0;
    QDateTime at;
    QString invoiceId;
    QString actor;
    QString kind; // "note", "call", "email", "portal_link", "hosted_link", "owner", "escalate", "retry", "pause", "write_off"
    QString text;
};

// A failed invoice that got paid: counted once per invoice.
struct DunningRecovery
{
    QString invoiceId;
    QDateTime recoveredAt;
    qint64 amountMinor = 0;
    QString currency;    // lower case
    QString declineCode; // the decline that put it in the queue
    int attempts = 0;    // Stripe attempt_count when paid
    QString step;        // "retry_now", "new_payment_method", "automatic", ...
};

// A failed invoice as the runner last saw it in the dunning queue (dunning_watch), so that a
// payment Stripe collects by itself (its own automatic retry, or the customer paying the hosted
// invoice) is counted when the paid invoice reaches the cache through sync.
struct DunningWatch
{
    QString invoiceId;
    QString customerId;
    qint64 amountMinor = 0; // amount remaining when last seen
    QString currency;       // lower case
    QString declineCode;
    int attempts = 0;       // Stripe attempt_count when last seen
    QString policyStep;     // the retry policy's step then: "smart retry 2"
    QDateTime firstSeenAt;
    QDateTime lastSeenAt;
};

// What the dunning pane shows beside the cache's columns, per invoice.
struct DunningOverlay
{
    QString stage; // dunning_state.stage ("new" when absent)
    QString owner;
    QDateTime lastContactAt; // invalid = never contacted
    QString lastContactKind;
    bool operator==(const DunningOverlay &) const = default;
};

// The dunning tables in the billing database (SQLite or PostgreSQL), through the BillingDatabase's
// own connection; created by ensureSchema() (CREATE TABLE IF NOT EXISTS under the migration lock),
// like RetentionRepository. Every write is one transaction and appends its audit row in it.
// Threading: the thread that owns the BillingDatabase. Errors: Database (plain userMessage),
// Validation (nothing written), Conflict (stale rule version), NotFound.
class DunningRepository final
{
public:
    explicit DunningRepository(BillingDatabase &db) : m_db(db) {}

    Status ensureSchema();

    static Status validate(const DunningRule &rule);
    Result<QList<DunningRule>> rules() const; // by id
    // Inserts (id 0) or updates (version must match); returns the stored row.
    Result<DunningRule> saveRule(const DunningRule &rule, const QString &actor);
    Status deleteRule(qint64 id, qint64 version, const QString &actor);

    // Writes the run row (and the notification, when given) if (invoice, step) has none yet.
    // true = decided now; false = already decided earlier (by this or any other runner).
    Result<bool> claimStep(const DunningRuleRun &run, const std::optional<DunningNotification> &notification);
    Status updateRun(const QString &invoiceId, const QString &stepKey, const QString &state, qint64 outboxEntryId,
                     const QString &detail);
    Result<QList<DunningRuleRun>> runs(const QString &invoiceId = {}) const; // oldest first
    Result<QList<DunningNotification>> notifications(int limit = 200) const; // newest first

    Result<qint64> addContact(const DunningContact &contact);
    Result<QList<DunningContact>> contacts(const QString &invoiceId) const; // newest first

    // true = counted now; false = this invoice's recovery was already counted.
    // Stage and owner (dunning_state) and the latest contact, for every invoice that has any.
    Result<QHash<QString, DunningOverlay>> overlay() const;

    Result<bool> recordRecovery(const DunningRecovery &recovery, const QString &actor);
    // Upserts the queue's current rows (one transaction) and returns the watched invoices that are
    // no longer among them (paid, voided, written off or deleted since the last look).
    Result<QList<DunningWatch>> watchQueue(const QList<DunningWatch> &queue, const QDateTime &now);
    Result<QList<DunningWatch>> watched() const;
    // An invoice left the queue: counts its recovery (when given; once per invoice) and forgets
    // it, in one transaction. true = the recovery was counted now.
    Result<bool> settleWatched(const QString &invoiceId, const std::optional<DunningRecovery> &recovery, const QString &actor);
    // Counts each recovery once per invoice, in one transaction; the invoice ids counted now.
    Result<QStringList> countRecoveries(const QList<DunningRecovery> &recoveries, const QString &actor);
    Result<QList<DunningRecovery>> recoveries(const QDateTime &from = {}, const QDateTime &to = {}) const; // oldest first

private:
    BillingDatabase &m_db;
};

} // namespace Billing
