#include "services/promotions/referralrepository.h"

#include <QCoreApplication>
#include <QSqlError>
#include <QSqlQuery>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::ReferralRepository", text); }

QString text(const QString &s) { return s.isNull() ? QStringLiteral("") : s; }

Error dbError(const QString &user, const QSqlError &e) { return Error::make(Error::Kind::Database, user, e.text()); }

const char *const Columns = "id, created_at, referrer_id, referee_id, code, status, reward_minor, reward_currency, "
                            "qualifying_invoice_id, reward_outbox_entry_id, reward_transaction_id, rewarded_at, actor, "
                            "note, last_error";

Referral readReferral(const QSqlQuery &q)
{
    Referral r;
    r.id = q.value(0).toLongLong();
    r.createdAt = QDateTime::fromSecsSinceEpoch(q.value(1).toLongLong(), Qt::UTC);
    r.referrerId = q.value(2).toString();
    r.refereeId = q.value(3).toString();
    r.code = q.value(4).toString();
    r.status = q.value(5).toString();
    r.rewardMinor = q.value(6).toLongLong();
    r.rewardCurrency = q.value(7).toString().trimmed();
    r.qualifyingInvoiceId = q.value(8).toString();
    r.rewardOutboxEntryId = q.value(9).toLongLong();
    r.rewardTransactionId = q.value(10).toString();
    if (q.value(11).toLongLong() > 0)
        r.rewardedAt = QDateTime::fromSecsSinceEpoch(q.value(11).toLongLong(), Qt::UTC);
    r.actor = q.value(12).toString();
    r.note = q.value(13).toString();
    r.lastError = q.value(14).toString();
    return r;
}

bool isCustomerId(const QString &id) { return id.startsWith(QLatin1String("cus_")) && id.size() > 4 && !id.contains(QLatin1Char(' ')); }

} // namespace

Status ReferralRepository::ensureSchema()
{
    if (!m_db.isOpen())
        return Error::make(Error::Kind::Database, tr("The billing database is not open."));
    const BillingDbDialect &d = m_db.dialect();
    const QString failed = tr("The referral tables could not be created in the billing database.");
    QSqlQuery q(m_db.database());
    if (!q.exec(d.beginWrite()))
        return dbError(failed, q.lastError());
    QStringList statements = d.migrationLock();
    statements << QStringLiteral("CREATE TABLE IF NOT EXISTS referrals ("
                                 " id %1,"
                                 " created_at BIGINT NOT NULL,"
                                 " referrer_id TEXT NOT NULL,"
                                 " referee_id TEXT NOT NULL UNIQUE,"
                                 " code TEXT NOT NULL,"
                                 " status TEXT NOT NULL CHECK (status IN ('pending', 'rewarding', 'rewarded', 'void')),"
                                 " reward_minor BIGINT NOT NULL,"
                                 " reward_currency TEXT NOT NULL,"
                                 " qualifying_invoice_id TEXT NOT NULL,"
                                 " reward_outbox_entry_id BIGINT NOT NULL,"
                                 " reward_transaction_id TEXT NOT NULL,"
                                 " rewarded_at BIGINT NOT NULL,"
                                 " actor TEXT NOT NULL,"
                                 " note TEXT NOT NULL,"
                                 " last_error TEXT NOT NULL,"
                                 " CHECK (referrer_id <> referee_id))")
                      .arg(d.identityPrimaryKey())
               << QStringLiteral("CREATE INDEX IF NOT EXISTS referrals_referrer ON referrals (referrer_id)")
               << QStringLiteral("CREATE INDEX IF NOT EXISTS referrals_status ON referrals (status)")
               << QStringLiteral("CREATE TABLE IF NOT EXISTS referral_rules ("
                                 " currency TEXT PRIMARY KEY,"
                                 " reward_minor BIGINT NOT NULL CHECK (reward_minor > 0))");
    for (const QString &sql : statements) {
        if (!q.exec(sql)) {
            const Error e = dbError(failed, q.lastError());
            q.exec(QStringLiteral("ROLLBACK"));
            return e;
        }
    }
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return {};
}

Status ReferralRepository::exec(const QString &failedText, const QString &sql, const QVariantList &values)
{
    if (Status s = ensureSchema(); !s)
        return s;
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failedText, q.lastError());
    q.prepare(sql);
    for (const QVariant &v : values)
        q.addBindValue(v);
    if (!q.exec()) {
        const Error e = dbError(failedText, q.lastError());
        q.finish();
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    }
    q.finish();
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failedText, q.lastError());
    return {};
}

Result<QList<Referral>> ReferralRepository::select(const QString &where, const QVariantList &values) const
{
    if (Status s = const_cast<ReferralRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("SELECT %1 FROM referrals %2").arg(QString::fromLatin1(Columns), where));
    for (const QVariant &v : values)
        q.addBindValue(v);
    if (!q.exec())
        return dbError(tr("The referrals could not be read."), q.lastError());
    QList<Referral> out;
    while (q.next())
        out << readReferral(q);
    return out;
}

Result<Referral> ReferralRepository::record(Referral r)
{
    r.referrerId = r.referrerId.trimmed();
    r.refereeId = r.refereeId.trimmed();
    r.code = r.code.trimmed();
    if (!isCustomerId(r.referrerId) || !isCustomerId(r.refereeId))
        return Error::make(Error::Kind::Validation, tr("A referral needs the referrer's and the referee's customer ids (cus_…)."));
    if (r.referrerId == r.refereeId)
        return Error::make(Error::Kind::Validation, tr("A customer cannot refer themselves."));
    if (r.code.size() > 100 || r.note.size() > 500)
        return Error::make(Error::Kind::Validation, tr("The code (100 characters) or the note (500) is too long."));
    if (Status s = ensureSchema(); !s)
        return s.error();
    const QString failed = tr("The referral could not be saved.");
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failed, q.lastError());
    q.prepare(QStringLiteral("SELECT referrer_id FROM referrals WHERE referee_id = ?"));
    q.addBindValue(r.refereeId);
    if (!q.exec()) {
        const Error e = dbError(failed, q.lastError());
        q.finish();
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    }
    if (q.next()) {
        const QString by = q.value(0).toString();
        q.finish();
        q.exec(QStringLiteral("ROLLBACK"));
        return Error::make(Error::Kind::Conflict, tr("This customer was already referred (by %1).").arg(by));
    }
    q.finish();
    r.createdAt = r.createdAt.isValid() ? r.createdAt : QDateTime::currentDateTimeUtc();
    r.status = QStringLiteral("pending");
    q.prepare(QStringLiteral("INSERT INTO referrals (created_at, referrer_id, referee_id, code, status, reward_minor, "
                             "reward_currency, qualifying_invoice_id, reward_outbox_entry_id, reward_transaction_id, "
                             "rewarded_at, actor, note, last_error) VALUES (?, ?, ?, ?, 'pending', 0, '', '', 0, '', 0, ?, ?, '') "
                             "RETURNING id"));
    q.addBindValue(r.createdAt.toSecsSinceEpoch());
    q.addBindValue(r.referrerId);
    q.addBindValue(r.refereeId);
    q.addBindValue(text(r.code));
    q.addBindValue(text(r.actor));
    q.addBindValue(text(r.note));
    if (!q.exec() || !q.next()) {
        const Error e = dbError(failed, q.lastError());
        q.finish();
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    }
    r.id = q.value(0).toLongLong();
    q.finish();
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return r;
}

Result<std::optional<Referral>> ReferralRepository::referral(qint64 id) const
{
    Result<QList<Referral>> r = select(QStringLiteral("WHERE id = ?"), {id});
    if (!r)
        return r.error();
    return r->isEmpty() ? std::optional<Referral>() : std::optional<Referral>(r->first());
}

Result<QList<Referral>> ReferralRepository::referralsOf(const QString &customerId) const
{
    return select(QStringLiteral("WHERE referrer_id = ? OR referee_id = ? ORDER BY created_at DESC, id DESC"),
                  {customerId, customerId});
}

Result<QList<Referral>> ReferralRepository::open() const
{
    return select(QStringLiteral("WHERE status IN ('pending', 'rewarding') ORDER BY id"), {});
}

Result<QList<Referral>> ReferralRepository::all() const
{
    return select(QStringLiteral("ORDER BY id"), {});
}

Result<bool> ReferralRepository::claim(qint64 id, const Money &reward, const QString &invoiceId)
{
    if (!reward.isValid() || reward.isNegative() || reward.isZero())
        return Error::make(Error::Kind::Validation, tr("A referral reward must be more than zero."));
    if (Status s = ensureSchema(); !s)
        return s.error();
    const QString failed = tr("The referral could not be updated.");
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failed, q.lastError());
    q.prepare(QStringLiteral("UPDATE referrals SET status = 'rewarding', reward_minor = ?, reward_currency = ?, "
                             "qualifying_invoice_id = ?, last_error = '' WHERE id = ? AND status = 'pending'"));
    q.addBindValue(reward.minor());
    q.addBindValue(reward.currency().stripeCode());
    q.addBindValue(text(invoiceId));
    q.addBindValue(id);
    if (!q.exec()) {
        const Error e = dbError(failed, q.lastError());
        q.finish();
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    }
    const bool claimed = q.numRowsAffected() == 1;
    q.finish();
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return claimed;
}

Status ReferralRepository::setRewardEntry(qint64 id, qint64 outboxEntryId)
{
    return exec(tr("The referral could not be updated."),
                QStringLiteral("UPDATE referrals SET reward_outbox_entry_id = ? WHERE id = ?"), {outboxEntryId, id});
}

Status ReferralRepository::markRewarded(qint64 id, const QString &transactionId, const QDateTime &at)
{
    return exec(tr("The referral could not be updated."),
                QStringLiteral("UPDATE referrals SET status = 'rewarded', reward_transaction_id = ?, rewarded_at = ?, "
                               "last_error = '' WHERE id = ? AND status IN ('pending', 'rewarding')"),
                {text(transactionId), (at.isValid() ? at : QDateTime::currentDateTimeUtc()).toSecsSinceEpoch(), id});
}

Status ReferralRepository::release(qint64 id, const QString &error)
{
    return exec(tr("The referral could not be updated."),
                QStringLiteral("UPDATE referrals SET status = 'pending', reward_minor = 0, reward_currency = '', "
                               "qualifying_invoice_id = '', reward_outbox_entry_id = 0, last_error = ? "
                               "WHERE id = ? AND status = 'rewarding'"),
                {text(error), id});
}

Status ReferralRepository::setError(qint64 id, const QString &error)
{
    return exec(tr("The referral could not be updated."), QStringLiteral("UPDATE referrals SET last_error = ? WHERE id = ?"),
                {text(error), id});
}

Status ReferralRepository::voidReferral(qint64 id)
{
    return exec(tr("The referral could not be updated."),
                QStringLiteral("UPDATE referrals SET status = 'void' WHERE id = ? AND status = 'pending'"), {id});
}

Result<QList<ReferralRule>> ReferralRepository::rules() const
{
    if (Status s = const_cast<ReferralRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    if (!q.exec(QStringLiteral("SELECT currency, reward_minor FROM referral_rules ORDER BY currency")))
        return dbError(tr("The referral rules could not be read."), q.lastError());
    QList<ReferralRule> out;
    while (q.next())
        out << ReferralRule{q.value(0).toString().trimmed(), q.value(1).toLongLong()};
    return out;
}

Result<std::optional<ReferralRule>> ReferralRepository::rule(const QString &currency) const
{
    Result<QList<ReferralRule>> all = rules();
    if (!all)
        return all.error();
    for (const ReferralRule &r : *all) {
        if (r.currency == currency.toLower())
            return std::optional<ReferralRule>(r);
    }
    return std::optional<ReferralRule>();
}

Status ReferralRepository::setRule(const QString &currency, qint64 rewardMinor)
{
    const std::optional<Currency> cur = Currency::fromCode(currency);
    if (!cur)
        return Error::make(Error::Kind::Validation, tr("Unknown currency: %1").arg(currency));
    if (rewardMinor < 0)
        return Error::make(Error::Kind::Validation, tr("A referral reward cannot be negative."));
    const QString failed = tr("The referral rule could not be saved.");
    if (rewardMinor == 0)
        return exec(failed, QStringLiteral("DELETE FROM referral_rules WHERE currency = ?"), {cur->stripeCode()});
    return exec(failed,
                QStringLiteral("INSERT INTO referral_rules (currency, reward_minor) VALUES (?, ?) "
                               "ON CONFLICT (currency) DO UPDATE SET reward_minor = excluded.reward_minor"),
                {cur->stripeCode(), rewardMinor});
}

} // namespace Billing
