#include "services/storage/billingdbdialect.h"

namespace Billing {

QStringList BillingDbDialect::auditAppendOnlyTriggers() const
{
    if (isPostgres()) {
        return {
            QStringLiteral("CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
                           "LANGUAGE plpgsql AS $$ BEGIN "
                           "RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP; "
                           "END $$"),
            QStringLiteral(
                "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"),
            QStringLiteral("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                           "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"),
        };
    }
    return {
        QStringLiteral(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END"),
        QStringLiteral(
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END"),
    };
}

QString BillingDbDialect::notifyUsage(const QString &payload) const
{
    if (!isPostgres())
        return {};
    QString quoted = payload;
    quoted.replace(QLatin1Char('\''), QStringLiteral("''"));
    return QStringLiteral("NOTIFY %1, '%2'").arg(QLatin1String(UsageChannel), quoted);
}

} // namespace Billing
