#include "models/analyticstablemodel.h"

#include "models/formatting.h"

#include <QColor>

namespace Billing {

namespace {

QString decimal(qint64 minor, const QString &currency)
{
    if (const auto c = Currency::fromCode(currency))
        return Money(minor, *c).toDecimalString();
    return QString::number(minor);
}

QString ratioCsv(std::optional<double> r) { return r ? QString::number(*r, 'f', 6) : QString(); }

} // namespace

AnalyticsTableModel::AnalyticsTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void AnalyticsTableModel::setRows(const QList<MonthMetrics> &rows)
{
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

void AnalyticsTableModel::setLocale(const QLocale &locale)
{
    m_locale = locale;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int AnalyticsTableModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int AnalyticsTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString AnalyticsTableModel::ratioText(std::optional<double> ratio, const QLocale &locale)
{
    if (!ratio)
        return QStringLiteral("\u2013");
    return locale.toString(*ratio * 100.0, 'f', 1) + QStringLiteral("\u202f%");
}

QVariant AnalyticsTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const MonthMetrics &m = m_rows.at(index.row());
    const bool show = m.complete || index.column() == Month || index.column() == Note;
    if (role == Qt::TextAlignmentRole)
        return index.column() == Month || index.column() == Note ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                                  : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && !m.complete)
        return m.note;
    if (role == Qt::ForegroundRole && !m.complete)
        return QColor(Qt::gray);
    if (role == RawRole) {
        switch (Column(index.column())) {
        case Month: return m.month;
        case Mrr: return m.mrrMinor;
        case Arr: return m.arrMinor;
        case ActiveCustomers: return m.activeCustomers;
        case Arpa: return m.arpaMinor;
        case NewCustomers: return m.newCustomers;
        case ChurnedCustomers: return m.churnedCustomers;
        case LogoChurn: return m.logoChurn ? QVariant(*m.logoChurn) : QVariant();
        case RevenueChurn: return m.revenueChurn ? QVariant(*m.revenueChurn) : QVariant();
        case NetRevenueRetention: return m.netRevenueRetention ? QVariant(*m.netRevenueRetention) : QVariant();
        case NewMrr: return m.newMrrMinor;
        case Expansion: return m.expansionMinor;
        case Contraction: return m.contractionMinor;
        case ChurnedMrr: return m.churnedMrrMinor;
        case TrialsEnded: return m.trialsEnded;
        case TrialsConverted: return m.trialsConverted;
        case TrialConversion: return m.trialConversion ? QVariant(*m.trialConversion) : QVariant();
        case Revenue: return m.revenueMinor;
        case Note: return m.note;
        case ColumnCount: break;
        }
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    if (!show)
        return QStringLiteral("\u2013");
    auto money = [&](qint64 v) { return Format::money(v, m.currency, m_locale); };
    switch (Column(index.column())) {
    case Month: return m_locale.toString(m.month, QStringLiteral("MMM yyyy"));
    case Mrr: return money(m.mrrMinor);
    case Arr: return money(m.arrMinor);
    case ActiveCustomers: return m_locale.toString(m.activeCustomers);
    case Arpa: return money(m.arpaMinor);
    case NewCustomers: return m_locale.toString(m.newCustomers);
    case ChurnedCustomers: return m_locale.toString(m.churnedCustomers);
    case LogoChurn: return ratioText(m.logoChurn, m_locale);
    case RevenueChurn: return ratioText(m.revenueChurn, m_locale);
    case NetRevenueRetention: return ratioText(m.netRevenueRetention, m_locale);
    case NewMrr: return money(m.newMrrMinor);
    case Expansion: return money(m.expansionMinor);
    case Contraction: return money(m.contractionMinor);
    case ChurnedMrr: return money(m.churnedMrrMinor);
    case TrialsEnded: return m_locale.toString(m.trialsEnded);
    case TrialsConverted: return m_locale.toString(m.trialsConverted);
    case TrialConversion: return ratioText(m.trialConversion, m_locale);
    case Revenue: return money(m.revenueMinor);
    case Note: return m.note;
    case ColumnCount: break;
    }
    return {};
}

QVariant AnalyticsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Month: return tr("Month");
    case Mrr: return tr("MRR");
    case Arr: return tr("ARR");
    case ActiveCustomers: return tr("Customers");
    case Arpa: return tr("ARPA");
    case NewCustomers: return tr("New");
    case ChurnedCustomers: return tr("Churned");
    case LogoChurn: return tr("Logo churn");
    case RevenueChurn: return tr("Revenue churn");
    case NetRevenueRetention: return tr("NRR");
    case NewMrr: return tr("New MRR");
    case Expansion: return tr("Expansion");
    case Contraction: return tr("Contraction");
    case ChurnedMrr: return tr("Churned MRR");
    case TrialsEnded: return tr("Trials ended");
    case TrialsConverted: return tr("Converted");
    case TrialConversion: return tr("Trial conversion");
    case Revenue: return tr("Paid revenue");
    case Note: return tr("Note");
    case ColumnCount: break;
    }
    return {};
}

QList<QStringList> AnalyticsTableModel::csvRows() const
{
    QList<QStringList> out;
    out << QStringList{QStringLiteral("month"), QStringLiteral("currency"), QStringLiteral("mrr"), QStringLiteral("arr"),
                       QStringLiteral("customers"), QStringLiteral("arpa"), QStringLiteral("new_customers"),
                       QStringLiteral("churned_customers"), QStringLiteral("logo_churn"), QStringLiteral("revenue_churn"),
                       QStringLiteral("net_revenue_retention"), QStringLiteral("new_mrr"), QStringLiteral("expansion_mrr"),
                       QStringLiteral("contraction_mrr"), QStringLiteral("churned_mrr"), QStringLiteral("trials_ended"),
                       QStringLiteral("trials_converted"), QStringLiteral("trial_conversion"), QStringLiteral("paid_revenue"),
                       QStringLiteral("note")};
    for (const MonthMetrics &m : m_rows) {
        const QString c = m.currency;
        if (!m.complete) {
            out << QStringList{m.month.toString(QStringLiteral("yyyy-MM")), c, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, m.note};
            continue;
        }
        out << QStringList{m.month.toString(QStringLiteral("yyyy-MM")), c, decimal(m.mrrMinor, c), decimal(m.arrMinor, c),
                           QString::number(m.activeCustomers), decimal(m.arpaMinor, c), QString::number(m.newCustomers),
                           QString::number(m.churnedCustomers), ratioCsv(m.logoChurn), ratioCsv(m.revenueChurn),
                           ratioCsv(m.netRevenueRetention), decimal(m.newMrrMinor, c), decimal(m.expansionMinor, c),
                           decimal(m.contractionMinor, c), decimal(m.churnedMrrMinor, c), QString::number(m.trialsEnded),
                           QString::number(m.trialsConverted), ratioCsv(m.trialConversion), decimal(m.revenueMinor, c), m.note};
    }
    return out;
}

AnalyticsCohortModel::AnalyticsCohortModel(QObject *parent) : QAbstractTableModel(parent) {}

void AnalyticsCohortModel::setCohorts(const QList<CohortRow> &cohorts)
{
    beginResetModel();
    m_cohorts = cohorts;
    m_offsets = 0;
    for (const CohortRow &c : cohorts)
        m_offsets = std::max(m_offsets, int(c.retained.size()));
    endResetModel();
}

void AnalyticsCohortModel::setLocale(const QLocale &locale) { m_locale = locale; }

int AnalyticsCohortModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_cohorts.size()); }
int AnalyticsCohortModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : 2 + m_offsets; }

QVariant AnalyticsCohortModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_cohorts.size())
        return {};
    const CohortRow &c = m_cohorts.at(index.row());
    const int offset = index.column() - 2;
    const bool cell = offset >= 0 && offset < c.retention.size();
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == 0)
            return m_locale.toString(c.cohort, QStringLiteral("MMM yyyy"));
        if (index.column() == 1)
            return m_locale.toString(c.size);
        return cell ? QVariant(QString(m_locale.toString(c.retention.at(offset) * 100.0, 'f', 0) + QStringLiteral("\u202f%"))) : QVariant();
    case RawRole:
        if (index.column() == 0)
            return c.cohort;
        if (index.column() == 1)
            return c.size;
        return cell ? QVariant(c.retention.at(offset)) : QVariant();
    case Qt::ToolTipRole:
        if (cell)
            return tr("%1 of %2 customers who signed up in %3 still subscribed %n month(s) later", nullptr, offset)
                .arg(c.retained.at(offset))
                .arg(c.size)
                .arg(m_locale.toString(c.cohort, QStringLiteral("MMMM yyyy")));
        return {};
    case Qt::BackgroundRole:
        if (cell) {
            // white (0%) to a calm green (100%)
            const double r = std::clamp(c.retention.at(offset), 0.0, 1.0);
            return QColor::fromRgbF(float(1.0 - 0.72 * r), float(1.0 - 0.30 * r), float(1.0 - 0.62 * r));
        }
        return {};
    case Qt::ForegroundRole:
        if (cell && c.retention.at(offset) > 0.6)
            return QColor(Qt::white);
        return {};
    case Qt::TextAlignmentRole:
        return index.column() == 0 ? QVariant(Qt::AlignLeft | Qt::AlignVCenter) : QVariant(Qt::AlignCenter);
    default:
        return {};
    }
}

QVariant AnalyticsCohortModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section == 0)
        return tr("Signed up");
    if (section == 1)
        return tr("Customers");
    return tr("M%1").arg(section - 2);
}

QList<QStringList> AnalyticsCohortModel::csvRows() const
{
    QList<QStringList> out;
    QStringList header{QStringLiteral("cohort"), QStringLiteral("customers")};
    for (int i = 0; i < m_offsets; ++i)
        header << QStringLiteral("m%1").arg(i);
    out << header;
    for (const CohortRow &c : m_cohorts) {
        QStringList row{c.cohort.toString(QStringLiteral("yyyy-MM")), QString::number(c.size)};
        for (int i = 0; i < m_offsets; ++i)
            row << (i < c.retention.size() ? QString::number(c.retention.at(i), 'f', 6) : QString());
        out << row;
    }
    return out;
}

} // namespace Billing
