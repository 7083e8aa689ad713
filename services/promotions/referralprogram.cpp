#include "services/promotions/referralprogram.h"

#include "services/platform/logging.h"
#include "services/promotions/customercreditservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/stripe/stripeclient.h"

#include <QJsonArray>

namespace Billing {

namespace {

const QLatin1String RewardOp("customer_balance.referral_reward");

} // namespace

struct ReferralProgram::Run
{
    QList<Referral> open;
    int index = -1;
    ReferralRunReport report;
    QList<QPair<QPointer<QObject>, std::function<void(Result<ReferralRunReport>)>>> waiting;
};

ReferralProgram::ReferralProgram(AsyncBillingDatabase *billingDb, StripeClient *client, CustomerCreditService *credits,
                                 QObject *parent)
    : QObject(parent), m_db(billingDb), m_client(client), m_credits(credits)
{
    if (m_credits)
        connect(m_credits, &CustomerCreditService::creditFinished, this, &ReferralProgram::onCreditFinished);
}

ReferralProgram::~ReferralProgram() = default;

void ReferralProgram::record(const Referral &referral, QObject *context, std::function<void(Result<Referral>)> handler)
{
    m_db->thread().run(
        context, [referral](BillingDatabase &db) { return ReferralRepository(db).record(referral); },
        [this, handler](Result<Referral> r) {
            if (r)
                Q_EMIT referralChanged(r->id, r->referrerId, r->refereeId);
            handler(r);
        });
}

void ReferralProgram::referralsOf(const QString &customerId, QObject *context,
                                  std::function<void(Result<QList<Referral>>)> handler)
{
    m_db->thread().run(context, [customerId](BillingDatabase &db) { return ReferralRepository(db).referralsOf(customerId); },
                       std::move(handler));
}

void ReferralProgram::rules(QObject *context, std::function<void(Result<QList<ReferralRule>>)> handler)
{
    m_db->thread().run(context, [](BillingDatabase &db) { return ReferralRepository(db).rules(); }, std::move(handler));
}

void ReferralProgram::setRule(const QString &currency, qint64 rewardMinor, QObject *context,
                              std::function<void(Status)> handler)
{
    m_db->thread().run(context, [currency, rewardMinor](BillingDatabase &db) {
        return ReferralRepository(db).setRule(currency, rewardMinor);
    }, std::move(handler));
}

void ReferralProgram::run(QObject *context, std::function<void(Result<ReferralRunReport>)> done)
{
    if (m_run) {
        m_run->waiting.append({context, std::move(done)});
        return;
    }
    m_run = std::make_shared<Run>();
    m_run->waiting.append({context, std::move(done)});
    if (!m_db || !m_client || !m_credits)
        return finishRun(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    auto run = m_run;
    m_db->thread().run(
        this, [](BillingDatabase &db) { return ReferralRepository(db).open(); },
        [this, run](Result<QList<Referral>> open) {
            if (run != m_run)
                return;
            if (!open)
                return finishRun(open.error());
            run->open = *open;
            next();
        });
}

void ReferralProgram::finishRun(std::optional<Error> error)
{
    auto run = std::move(m_run);
    m_run.reset();
    if (!run)
        return;
    if (!error) {
        Logging::logger("app")->info("referral run: {} checked, {} rewarded, {} recovered, {} waiting, {} skipped, {} failed",
                                     run->report.checked, run->report.rewarded, run->report.recovered,
                                     run->report.waiting, run->report.skipped, run->report.failed);
        Q_EMIT runFinished(run->report);
    } else {
        Logging::logger("app")->error("referral run failed: {}", error->detail.toStdString());
    }
    for (const auto &w : run->waiting) {
        if (w.first) {
            if (error)
                w.second(*error);
            else
                w.second(run->report);
        }
    }
}

void ReferralProgram::next()
{
    if (!m_run)
        return;
    if (++m_run->index >= m_run->open.size())
        return finishRun(std::nullopt);
    const Referral r = m_run->open.at(m_run->index);
    ++m_run->report.checked;
    if (r.status == QLatin1String("rewarding"))
        reward(r);
    else
        qualify(r);
}

void ReferralProgram::problem(const Referral &r, const QString &text, bool release)
{
    if (m_run) {
        ++m_run->report.failed;
        m_run->report.messages << tr("Referral %1 (%2 referred %3): %4").arg(r.id).arg(r.referrerId, r.refereeId, text);
    }
    auto run = m_run;
    m_db->thread().run(
        this,
        [id = r.id, text, release](BillingDatabase &db) {
            ReferralRepository repo(db);
            return release ? repo.release(id, text) : repo.setError(id, text);
        },
        [this, run, r](Status s) {
            if (!s)
                Logging::logger("db")->error("referral {}: {}", r.id, s.error().detail.toStdString());
            Q_EMIT referralChanged(r.id, r.referrerId, r.refereeId);
            if (run == m_run)
                next();
        });
}

// The referee's first paid invoice decides; the reward follows the referrer's currency (or, while
// the referrer has none, the invoice's).
void ReferralProgram::qualify(const Referral &r)
{
    auto run = m_run;
    FormParams params = FormValue::object({{QStringLiteral("customer"), r.refereeId},
                                           {QStringLiteral("status"), QStringLiteral("paid")},
                                           {QStringLiteral("limit"), 100}});
    m_client->get(QStringLiteral("/v1/invoices"), params, this, [this, run, r](Result<QJsonObject> page) {
        if (run != m_run)
            return;
        if (!page)
            return problem(r, page.error().userMessage, false);
        QJsonObject paid;
        for (const QJsonValue &v : page->value(QLatin1String("data")).toArray()) {
            const QJsonObject inv = v.toObject();
            if (inv.value(QLatin1String("amount_paid")).toInteger() <= 0)
                continue;
            // Oldest paid invoice (the list is newest first).
            paid = inv;
        }
        if (paid.isEmpty()) {
            ++m_run->report.waiting;
            return next();
        }
        m_client->get(QStringLiteral("/v1/customers/") + r.referrerId, {}, this, [this, run, r, paid](Result<QJsonObject> referrer) {
            if (run != m_run)
                return;
            if (!referrer)
                return problem(r, referrer.error().userMessage, false);
            QString currency = referrer->value(QLatin1String("currency")).toString();
            if (currency.isEmpty())
                currency = paid.value(QLatin1String("currency")).toString();
            const QString invoiceId = paid.value(QLatin1String("id")).toString();
            m_db->thread().run(
                this,
                [id = r.id, currency, invoiceId](BillingDatabase &db) -> Result<std::optional<Money>> {
                    ReferralRepository repo(db);
                    Result<std::optional<ReferralRule>> rule = repo.rule(currency);
                    if (!rule)
                        return rule.error();
                    const std::optional<Currency> cur = Currency::fromCode(currency);
                    if (!*rule || !cur)
                        return std::optional<Money>();
                    const Money reward((*rule)->rewardMinor, *cur);
                    Result<bool> claimed = repo.claim(id, reward, invoiceId);
                    if (!claimed)
                        return claimed.error();
                    if (!*claimed)
                        return Error::make(Error::Kind::Conflict, tr("Another run is rewarding this referral."));
                    return std::optional<Money>(reward);
                },
                [this, run, r, currency, invoiceId](Result<std::optional<Money>> claim) {
                    if (run != m_run)
                        return;
                    if (!claim) {
                        if (claim.error().kind == Error::Kind::Conflict)
                            return next();
                        return problem(r, claim.error().userMessage, false);
                    }
                    if (!claim->has_value()) {
                        ++m_run->report.skipped;
                        m_run->report.messages << tr("Referral %1: no reward rule for %2.").arg(r.id).arg(currency.toUpper());
                        m_db->thread().run(this, [id = r.id, currency](BillingDatabase &db) {
                            return ReferralRepository(db).setError(id, tr("No reward rule for %1.").arg(currency.toUpper()));
                        }, [this, run](Status) {
                            if (run == m_run)
                                next();
                        });
                        return;
                    }
                    Referral claimed = r;
                    claimed.status = QStringLiteral("rewarding");
                    claimed.rewardMinor = (*claim)->minor();
                    claimed.rewardCurrency = (*claim)->currency().stripeCode();
                    claimed.qualifyingInvoiceId = invoiceId;
                    Q_EMIT referralChanged(r.id, r.referrerId, r.refereeId);
                    reward(claimed);
                });
        });
    });
}

// Stripe may already hold the credit (a crash after it was applied, another console): look first.
void ReferralProgram::reward(const Referral &r)
{
    auto run = m_run;
    auto found = std::make_shared<QString>();
    const QString referralId = QString::number(r.id);
    m_client->listAll(
        QStringLiteral("/v1/customers/%1/balance_transactions").arg(r.referrerId), {}, this,
        [found, referralId](const QJsonArray &page) {
            for (const QJsonValue &v : page) {
                const QJsonObject t = v.toObject();
                if (t.value(QLatin1String("metadata")).toObject().value(QLatin1String("referral_id")).toString() == referralId) {
                    *found = t.value(QLatin1String("id")).toString();
                    return false;
                }
            }
            return true;
        },
        [this, run, r, found](Status s) {
            if (run != m_run)
                return;
            if (!s)
                return problem(r, s.error().userMessage, false);
            if (found->isEmpty())
                return credit(r);
            m_db->thread().run(
                this, [id = r.id, txn = *found](BillingDatabase &db) {
                    return ReferralRepository(db).markRewarded(id, txn, QDateTime::currentDateTimeUtc());
                },
                [this, run, r](Status st) {
                    if (run != m_run)
                        return;
                    if (!st)
                        return problem(r, st.error().userMessage, false);
                    ++m_run->report.recovered;
                    Q_EMIT referralChanged(r.id, r.referrerId, r.refereeId);
                    next();
                });
        });
}

void ReferralProgram::credit(const Referral &r)
{
    auto run = m_run;
    const std::optional<Currency> cur = Currency::fromCode(r.rewardCurrency);
    if (!cur || r.rewardMinor <= 0)
        return problem(r, tr("The claimed reward has no amount or currency."), true);
    const Money amount(r.rewardMinor, *cur);
    const QMap<QString, QString> metadata{{QStringLiteral("kind"), QStringLiteral("referral_reward")},
                                          {QStringLiteral("referral_id"), QString::number(r.id)},
                                          {QStringLiteral("referee"), r.refereeId}};
    const QString description = tr("Referral reward: %1 paid their first invoice").arg(r.refereeId);
    const QString intent = tr("Referral reward of %1 %2 for referring %3 (invoice %4)")
                               .arg(amount.toDecimalString(), cur->code(), r.refereeId, r.qualifyingInvoiceId);
    m_credits->credit(r.referrerId, amount, description, metadata, r.rewardOpId(), RewardOp, intent, this,
                      [this, run, r](Result<OutboxEntry> entry) {
        if (run != m_run)
            return;
        if (!entry) {
            // Refused before anything was queued (role, limit): back to pending, nothing sent.
            const bool nothingSent = entry.error().kind == Error::Kind::Unauthorized
                || entry.error().kind == Error::Kind::Validation;
            return problem(r, entry.error().userMessage, nothingSent);
        }
        const OutboxEntry queued = *entry;
        if (queued.isOpen())
            m_waiting.insert(queued.id, [this, run, r](const OutboxEntry &e) {
                if (run == m_run)
                    finishCredit(r, e);
            });
        m_db->thread().run(
            this, [id = r.id, entryId = queued.id](BillingDatabase &db) {
                return ReferralRepository(db).setRewardEntry(id, entryId);
            },
            [this, run, r, queued](Status s) {
                if (!s)
                    Logging::logger("db")->error("referral {}: outbox entry {} not recorded: {}", r.id, queued.id,
                                                 s.error().detail.toStdString());
                // An entry of an earlier run that already finished: no signal will come.
                if (!queued.isOpen() && run == m_run)
                    finishCredit(r, queued);
            });
    });
}

void ReferralProgram::onCreditFinished(const OutboxEntry &entry)
{
    if (auto continuation = m_waiting.take(entry.id))
        continuation(entry);
}

void ReferralProgram::finishCredit(const Referral &r, const OutboxEntry &entry)
{
    auto run = m_run;
    if (entry.state != OutboxState::Succeeded)
        return problem(r,
                       entry.errorMessage.isEmpty() ? tr("Stripe did not apply the credit (%1).").arg(outboxStateName(entry.state))
                                                    : entry.errorMessage,
                       false);
    const QString txn = entry.resultObjectId.isEmpty() ? entry.result.value(QLatin1String("id")).toString() : entry.resultObjectId;
    m_db->thread().run(
        this, [id = r.id, txn](BillingDatabase &db) {
            return ReferralRepository(db).markRewarded(id, txn, QDateTime::currentDateTimeUtc());
        },
        [this, run, r](Status s) {
            if (run != m_run)
                return;
            if (!s)
                return problem(r, s.error().userMessage, false);
            ++m_run->report.rewarded;
            Q_EMIT referralChanged(r.id, r.referrerId, r.refereeId);
            next();
        });
}

} // namespace Billing
