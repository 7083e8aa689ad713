#pragma once

#include "services/access/actor.h"
#include "services/domain/result.h"
#include "services/fx/fxrate.h"
#include "services/storage/billingdatabase.h"

#include <QList>
#include <QString>

namespace Billing {

struct FxSaveReport
{
    int rows = 0;      // rates given (or data rows in the file)
    int inserted = 0;  // new (base, quote, date) rows
    int replaced = 0;  // rows of the same pair and day overwritten with a new rate
};

// The dated FX-rate table in the billing database (SQLite or PostgreSQL), finance's own data.
// Table fx_rates (base, quote, rate_date UNIQUE together; rate TEXT exact decimal; source,
// entered_by, entered_at), created by ensureSchema() like the other capability tables.
//
// Threading: the thread that owns the BillingDatabase (its DbThread worker). Writes need
// Permission::ManageFxRates (admin, finance): Kind::Unauthorized otherwise. Every write is one
// transaction with its audit row ("fx.set" / "fx.import"); bad input (zero or negative rate, unknown
// currency, same base and quote, bad date, a pair and day twice) is Kind::Validation naming the row
// or CSV line, and nothing is written.
class FxRateRepository final
{
public:
    explicit FxRateRepository(BillingDatabase &db) : m_db(db) {}

    Status ensureSchema();

    // Validates and normalises the rows (upper-case codes, canonical rate), then inserts or replaces
    // them in one transaction. `auditTarget` names what was saved in the audit row (file name or "manual").
    Result<FxSaveReport> save(const QList<FxRate> &rates, const Actor &actor,
                              const QString &auditOperation = QStringLiteral("fx.set"),
                              const QString &auditTarget = QStringLiteral("manual"));
    // Reads a CSV file with the header date,base,quote,rate[,source] (any column order; date
    // YYYY-MM-DD; rate with a dot) and saves every row, all or nothing. source defaults to the file name.
    Result<FxSaveReport> importCsv(const QString &filePath, const Actor &actor);
    // Every rate, by base, quote, date.
    Result<QList<FxRate>> rates() const;

    // The parsing half of importCsv, without the database: rows with line-numbered Validation errors.
    static Result<QList<FxRate>> parseCsv(const QString &content, const QString &defaultSource);
    // Checks and normalises one row; `where` prefixes messages ("Line 4: ").
    static Result<FxRate> normalised(const FxRate &rate, const QString &where = {});

private:
    BillingDatabase &m_db;
};

} // namespace Billing
