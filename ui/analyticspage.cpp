#include "ui/analyticspage.h"

#include "models/analyticstablemodel.h"
#include "models/formatting.h"
#include "services/reports/csvfilejob.h"
#include "ui/charts/analyticschartview.h"
#include "ui/charts/forecastchartview.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace Billing {

namespace {

const QString Converted = QStringLiteral("converted");

double major(qint64 minor, const QString &currency)
{
    // For drawing only: the chart needs a number on an axis; tables and cards show exact amounts.
    const auto c = Currency::fromCode(currency);
    return double(minor) / std::pow(10.0, c ? c->exponent() : 2);
}

QFrame *makeCard(const QString &title, QLabel **value, QLabel **note, QWidget *parent)
{
    auto *card = new QFrame(parent);
    card->setFrameShape(QFrame::StyledPanel);
    card->setObjectName(QStringLiteral("metricCard"));
    card->setMinimumWidth(130);
    auto *layout = new QVBoxLayout(card);
    layout->setContentsMargins(10, 8, 10, 8);
    layout->setSpacing(2);
    auto *t = new QLabel(title, card);
    QFont small = t->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    t->setFont(small);
    t->setStyleSheet(QStringLiteral("color: palette(mid);"));
    *value = new QLabel(QStringLiteral("\u2013"), card);
    QFont big = (*value)->font();
    big.setPointSizeF(big.pointSizeF() * 1.5);
    big.setBold(true);
    (*value)->setFont(big);
    (*value)->setTextInteractionFlags(Qt::TextSelectableByMouse);
    *note = new QLabel(card);
    (*note)->setFont(small);
    (*note)->setWordWrap(true);
    layout->addWidget(t);
    layout->addWidget(*value);
    layout->addWidget(*note);
    return card;
}

} // namespace

AnalyticsPage::AnalyticsPage(AnalyticsService *service, QWidget *parent) : QWidget(parent), m_service(service)
{
    setObjectName(QStringLiteral("analyticsPage"));
    auto *root = new QVBoxLayout(this);

    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Reporting currency:"), this));
    m_currency = new QComboBox(this);
    m_currency->setObjectName(QStringLiteral("reportingCurrency"));
    m_currency->addItem(tr("None (per currency)"), QString());
    for (const char *code : {"USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "KWD", "INR", "BRL"})
        m_currency->addItem(QLatin1String(code), QLatin1String(code));
    m_currency->setCurrentIndex(1);
    bar->addWidget(m_currency);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Months:"), this));
    m_months = new QComboBox(this);
    for (int m : {12, 24, 36})
        m_months->addItem(QString::number(m), m);
    m_months->setCurrentIndex(2); // 36: three seasons, so the forecaster can fit the yearly pattern
    bar->addWidget(m_months);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("View:"), this));
    m_view = new QComboBox(this);
    m_view->setObjectName(QStringLiteral("analyticsView"));
    m_view->setMinimumContentsLength(18);
    bar->addWidget(m_view);
    bar->addStretch(1);
    m_refresh = new QPushButton(tr("Refresh"), this);
    m_export = new QPushButton(tr("Export CSV\u2026"), this);
    bar->addWidget(m_refresh);
    bar->addWidget(m_export);
    root->addLayout(bar);

    auto *cards = new QHBoxLayout;
    const QList<QPair<QString, QString>> cardDefs{{QStringLiteral("mrr"), tr("MRR")},
                                                  {QStringLiteral("arr"), tr("ARR")},
                                                  {QStringLiteral("nrr"), tr("Net revenue retention")},
                                                  {QStringLiteral("logo_churn"), tr("Logo churn")},
                                                  {QStringLiteral("revenue_churn"), tr("Revenue churn")},
                                                  {QStringLiteral("arpa"), tr("ARPA")},
                                                  {QStringLiteral("trials"), tr("Trial conversion")}};
    for (const auto &[key, title] : cardDefs) {
        QLabel *value = nullptr;
        QLabel *note = nullptr;
        cards->addWidget(makeCard(title, &value, &note, this), 1);
        m_cardValues.insert(key, value);
        m_cardNotes.insert(key, note);
    }
    root->addLayout(cards);

    m_tabs = new QTabWidget(this);
    // Overview: MRR and churn charts side by side.
    auto *overview = new QWidget(m_tabs);
    auto *ov = new QHBoxLayout(overview);
    ov->setContentsMargins(0, 4, 0, 0);
    m_mrrChart = new AnalyticsChartView(overview);
    m_churnChart = new AnalyticsChartView(overview);
    ov->addWidget(m_mrrChart, 1);
    ov->addWidget(m_churnChart, 1);
    m_tabs->addTab(overview, tr("MRR and churn"));

    m_metricsModel = new AnalyticsTableModel(this);
    m_metricsTable = new QTableView(m_tabs);
    m_metricsTable->setObjectName(QStringLiteral("metricsTable"));
    m_metricsTable->setModel(m_metricsModel);
    m_metricsTable->verticalHeader()->hide();
    m_metricsTable->setAlternatingRowColors(true);
    m_metricsTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tabs->addTab(m_metricsTable, tr("Monthly table"));

    m_cohortModel = new AnalyticsCohortModel(this);
    m_cohortTable = new QTableView(m_tabs);
    m_cohortTable->setObjectName(QStringLiteral("cohortTable"));
    m_cohortTable->setModel(m_cohortModel);
    m_cohortTable->verticalHeader()->hide();
    m_cohortTable->setShowGrid(false);
    m_cohortTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tabs->addTab(m_cohortTable, tr("Cohorts"));

    auto *fc = new QWidget(m_tabs);
    auto *fcl = new QVBoxLayout(fc);
    fcl->setContentsMargins(0, 4, 0, 0);
    auto *fcBar = new QHBoxLayout;
    fcBar->addWidget(new QLabel(tr("Series:"), fc));
    m_forecastSeries = new QComboBox(fc);
    m_forecastSeries->setObjectName(QStringLiteral("forecastSeries"));
    m_forecastSeries->setMinimumContentsLength(28);
    fcBar->addWidget(m_forecastSeries);
    fcBar->addStretch(1);
    fcl->addLayout(fcBar);
    auto *fcBody = new QHBoxLayout;
    m_forecastChart = new ForecastChartView(fc);
    fcBody->addWidget(m_forecastChart, 3);
    auto *fcSide = new QVBoxLayout;
    m_forecastLabel = new QLabel(fc);
    m_forecastLabel->setObjectName(QStringLiteral("forecastSummary"));
    m_forecastLabel->setWordWrap(true);
    m_forecastLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_forecastLabel->setMinimumWidth(260);
    fcSide->addWidget(m_forecastLabel);
    m_forecastTable = new QTableWidget(fc);
    m_forecastTable->setColumnCount(4);
    m_forecastTable->setHorizontalHeaderLabels({tr("Month"), tr("Forecast"), tr("Low"), tr("High")});
    m_forecastTable->verticalHeader()->hide();
    m_forecastTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_forecastTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    fcSide->addWidget(m_forecastTable, 1);
    fcBody->addLayout(fcSide, 2);
    fcl->addLayout(fcBody, 1);
    m_tabs->addTab(fc, tr("Forecast"));

    auto *rates = new QWidget(m_tabs);
    auto *rl = new QVBoxLayout(rates);
    rl->setContentsMargins(0, 4, 0, 0);
    m_ratesLabel = new QLabel(rates);
    m_ratesLabel->setWordWrap(true);
    m_ratesLabel->setObjectName(QStringLiteral("ratesSummary"));
    rl->addWidget(m_ratesLabel);
    m_ratesTable = new QTableWidget(rates);
    m_ratesTable->setColumnCount(5);
    m_ratesTable->setHorizontalHeaderLabels({tr("Converts"), tr("Rate used"), tr("Rate of"), tr("Source"), tr("How")});
    m_ratesTable->verticalHeader()->hide();
    m_ratesTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_ratesTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_ratesTable->horizontalHeader()->setStretchLastSection(true);
    rl->addWidget(m_ratesTable, 1);
    m_tabs->addTab(rates, tr("FX rates used"));
    root->addWidget(m_tabs, 1);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("analyticsStatus"));
    m_status->setWordWrap(true);
    root->addWidget(m_status);

    connect(m_refresh, &QPushButton::clicked, this, &AnalyticsPage::refresh);
    connect(m_currency, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
    connect(m_months, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
    connect(m_view, &QComboBox::currentIndexChanged, this, [this] { showView(); });
    connect(m_forecastSeries, &QComboBox::currentIndexChanged, this, [this] { showForecast(); });
    connect(m_export, &QPushButton::clicked, this, &AnalyticsPage::chooseExport);
    if (m_service)
        connect(m_service, &AnalyticsService::changed, this, [this] {
            if (isVisible())
                refresh();
        });
    m_status->setText(tr("Not computed yet."));
}

QString AnalyticsPage::reportingCurrency() const { return m_currency->currentData().toString(); }

void AnalyticsPage::setReportingCurrency(const QString &code)
{
    const int i = m_currency->findData(code.toUpper());
    if (i >= 0)
        m_currency->setCurrentIndex(i);
    else {
        m_currency->addItem(code.toUpper(), code.toUpper());
        m_currency->setCurrentIndex(m_currency->count() - 1);
    }
}

int AnalyticsPage::monthsShown() const { return m_months->currentData().toInt(); }

void AnalyticsPage::refresh()
{
    if (!m_service)
        return;
    AnalyticsService::Request request;
    const QDate today = QDateTime::currentDateTimeUtc().date();
    request.metrics.lastMonth = today;
    request.metrics.firstMonth = QDate(today.year(), today.month(), 1).addMonths(-(monthsShown() - 1));
    request.metrics.reportingCurrency = reportingCurrency();
    request.metrics.rounding = Rounding::HalfUp;
    const int serial = ++m_requestSerial;
    m_status->setText(tr("Computing\u2026"));
    m_refresh->setEnabled(false);
    m_service->compute(request, this, [this, serial](Result<AnalyticsSnapshot> snapshot) {
        if (serial != m_requestSerial)
            return; // a newer request is on its way
        m_refresh->setEnabled(true);
        if (!snapshot) {
            m_status->setText(snapshot.error().userMessage);
            Q_EMIT failed(snapshot.error().userMessage);
            return;
        }
        showSnapshot(*snapshot);
    });
}

void AnalyticsPage::showSnapshot(const AnalyticsSnapshot &snapshot)
{
    m_snapshot = snapshot;
    m_hasSnapshot = true;
    rebuildViews();
    QStringList status;
    status << tr("Computed %1 from the local cache; exact sums rounded once (%2).")
                  .arg(Format::dateTime(snapshot.computedAt, locale()), snapshot.report.roundingName);
    if (!snapshot.report.warnings.isEmpty())
        status << QStringLiteral("\u26a0 ") + snapshot.report.warnings.first()
                      + (snapshot.report.warnings.size() > 1 ? tr(" (and %1 more, see FX rates used)").arg(snapshot.report.warnings.size() - 1)
                                                             : QString());
    m_status->setText(status.join(u' '));
    Q_EMIT computed();
}

void AnalyticsPage::rebuildViews()
{
    const QString previous = m_view->currentData().toString();
    {
        const QSignalBlocker block(m_view);
        m_view->clear();
        if (!m_snapshot.report.reportingCurrency.isEmpty())
            m_view->addItem(tr("All, converted to %1").arg(m_snapshot.report.reportingCurrency), Converted);
        for (const QString &c : std::as_const(m_snapshot.report.currencies))
            m_view->addItem(tr("%1 only").arg(c), c);
        const int i = m_view->findData(previous);
        m_view->setCurrentIndex(i >= 0 ? i : 0);
    }
    m_cohortModel->setLocale(locale());
    m_cohortModel->setCohorts(m_snapshot.report.cohorts);

    // Forecast picker: revenue (converted, per currency), usage per meter, top customers by revenue.
    m_forecasts = m_snapshot.revenueForecasts + m_snapshot.usageForecasts;
    QList<QPair<qint64, QString>> customers;
    for (auto it = m_snapshot.report.customerRevenue.cbegin(); it != m_snapshot.report.customerRevenue.cend(); ++it) {
        qint64 sum = 0;
        for (const QList<qint64> &series : it.value())
            for (qint64 v : series)
                sum += v;
        customers << qMakePair(sum, it.key());
    }
    std::sort(customers.begin(), customers.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    ForecastOptions options;
    for (int i = 0; i < customers.size() && i < 5; ++i)
        m_forecasts << AnalyticsService::customerForecast(m_snapshot, customers.at(i).second, options);
    {
        const QSignalBlocker block(m_forecastSeries);
        const QString was = m_forecastSeries->currentText();
        m_forecastSeries->clear();
        for (const SeriesForecast &f : std::as_const(m_forecasts))
            m_forecastSeries->addItem(f.label);
        const int i = m_forecastSeries->findText(was);
        m_forecastSeries->setCurrentIndex(i >= 0 ? i : 0);
    }

    // Rates used.
    const QString method = tr("Amounts are summed exactly and rounded once (%1). Intervals are normalised to a month: "
                              "year / 12, week \u00d7 52 / 12, day \u00d7 365 / 12. Metered usage, discounts and taxes "
                              "are not part of MRR.")
                               .arg(m_snapshot.report.roundingName);
    m_ratesTable->setRowCount(0);
    for (const AppliedRate &a : std::as_const(m_snapshot.report.ratesUsed)) {
        const int row = m_ratesTable->rowCount();
        m_ratesTable->insertRow(row);
        m_ratesTable->setItem(row, 0, new QTableWidgetItem(QStringLiteral("%1 \u2192 %2").arg(a.from, a.to)));
        m_ratesTable->setItem(row, 1, new QTableWidgetItem(QStringLiteral("1 %1 = %2 %3").arg(a.row.base, a.row.rate, a.row.quote)));
        m_ratesTable->setItem(row, 2, new QTableWidgetItem(a.row.date.toString(Qt::ISODate)));
        m_ratesTable->setItem(row, 3, new QTableWidgetItem(a.row.source));
        m_ratesTable->setItem(row, 4, new QTableWidgetItem(a.inverted ? tr("inverse (1 / rate), exact") : tr("as entered")));
    }
    if (m_snapshot.report.reportingCurrency.isEmpty())
        m_ratesLabel->setText(tr("No reporting currency: every amount stays in its own currency.") + u' ' + method);
    else
        m_ratesLabel->setText(tr("Each month converts at the newest rate dated on or before its last day (today for "
                                 "the current month); a pair entered only the other way round is inverted exactly. "
                                 "%1 rates used. %2%3")
                                  .arg(m_snapshot.report.ratesUsed.size())
                                  .arg(method)
                                  .arg(m_snapshot.report.warnings.isEmpty()
                                           ? QString()
                                           : QStringLiteral("\n") + m_snapshot.report.warnings.join(u'\n')));
    showView();
    showForecast();
}

QString AnalyticsPage::view() const { return m_view->currentData().toString(); }

void AnalyticsPage::setView(const QString &currencyOrConverted)
{
    const int i = m_view->findData(currencyOrConverted);
    if (i >= 0)
        m_view->setCurrentIndex(i);
}

QList<MonthMetrics> AnalyticsPage::viewRows() const
{
    const QString v = view();
    if (v == Converted)
        return m_snapshot.report.converted;
    return m_snapshot.report.perCurrency.value(v);
}

QString AnalyticsPage::viewCurrency() const
{
    const QString v = view();
    return v == Converted ? m_snapshot.report.reportingCurrency : v;
}

void AnalyticsPage::showView()
{
    const QList<MonthMetrics> rows = viewRows();
    m_metricsModel->setLocale(locale());
    m_metricsModel->setRows(rows);
    const QString currency = viewCurrency();
    const QList<QDate> &months = m_snapshot.report.months;

    // MRR: converted = one area per currency's converted share is not kept, so the converted total;
    // per currency views draw that currency. Without a reporting currency, every currency as a line.
    QList<AnalyticsChartView::Series> mrr;
    if (view() == Converted) {
        // Stacked: each currency's share of the converted MRR.
        for (auto it = m_snapshot.report.convertedMrrByCurrency.cbegin(); it != m_snapshot.report.convertedMrrByCurrency.cend(); ++it) {
            AnalyticsChartView::Series s{tr("from %1").arg(it.key()), {}};
            for (int i = 0; i < it.value().size(); ++i)
                s.values << (i < rows.size() && rows.at(i).complete ? major(it.value().at(i), currency) : 0.0);
            mrr << s;
        }
        m_mrrChart->setSeries(tr("MRR converted to %1, stacked by currency").arg(currency), months, mrr, currency, true);
    } else {
        AnalyticsChartView::Series s{tr("MRR %1").arg(currency), {}};
        for (const MonthMetrics &m : rows)
            s.values << major(m.mrrMinor, currency);
        mrr << s;
        m_mrrChart->setSeries(tr("MRR in %1").arg(currency), months, mrr, currency, true);
    }
    QList<AnalyticsChartView::Series> churn{{tr("Logo churn"), {}}, {tr("Revenue churn"), {}}, {tr("Net revenue retention"), {}}};
    for (const MonthMetrics &m : rows) {
        auto pct = [&](std::optional<double> r) { return m.complete && r ? *r * 100.0 : std::nan(""); };
        churn[0].values << pct(m.logoChurn);
        churn[1].values << pct(m.revenueChurn);
        churn[2].values << pct(m.netRevenueRetention);
    }
    m_churnChart->setSeries(tr("Churn and net revenue retention"), months, churn, tr("%"), false);

    // Cards: the newest complete month of the view.
    const MonthMetrics *latest = nullptr;
    for (auto it = rows.crbegin(); it != rows.crend(); ++it)
        if (it->complete) {
            latest = &*it;
            break;
        }
    const QLocale loc = locale();
    for (auto it = m_cardValues.cbegin(); it != m_cardValues.cend(); ++it) {
        it.value()->setText(QStringLiteral("\u2013"));
        m_cardNotes.value(it.key())->clear();
    }
    if (!latest)
        return;
    const QString month = loc.toString(latest->month, QStringLiteral("MMM yyyy"));
    m_cardValues.value(QStringLiteral("mrr"))->setText(Format::money(latest->mrrMinor, currency, loc));
    m_cardNotes.value(QStringLiteral("mrr"))->setText(tr("%1, %2 customers").arg(month).arg(latest->activeCustomers));
    m_cardValues.value(QStringLiteral("arr"))->setText(Format::money(latest->arrMinor, currency, loc));
    m_cardNotes.value(QStringLiteral("arr"))->setText(tr("12 \u00d7 MRR"));
    m_cardValues.value(QStringLiteral("nrr"))->setText(AnalyticsTableModel::ratioText(latest->netRevenueRetention, loc));
    m_cardNotes.value(QStringLiteral("nrr"))->setText(month);
    m_cardValues.value(QStringLiteral("logo_churn"))->setText(AnalyticsTableModel::ratioText(latest->logoChurn, loc));
    m_cardNotes.value(QStringLiteral("logo_churn"))
        ->setText(tr("%1 of %2 customers").arg(latest->churnedCustomers).arg(latest->startCustomers));
    m_cardValues.value(QStringLiteral("revenue_churn"))->setText(AnalyticsTableModel::ratioText(latest->revenueChurn, loc));
    m_cardNotes.value(QStringLiteral("revenue_churn"))->setText(tr("churned + contraction"));
    m_cardValues.value(QStringLiteral("arpa"))->setText(Format::money(latest->arpaMinor, currency, loc));
    m_cardNotes.value(QStringLiteral("arpa"))->setText(tr("MRR per customer"));
    m_cardValues.value(QStringLiteral("trials"))->setText(AnalyticsTableModel::ratioText(latest->trialConversion, loc));
    m_cardNotes.value(QStringLiteral("trials"))
        ->setText(tr("%1 of %2 trials ended").arg(latest->trialsConverted).arg(latest->trialsEnded));
}

void AnalyticsPage::setForecastSeries(int index) { m_forecastSeries->setCurrentIndex(index); }
int AnalyticsPage::forecastSeriesCount() const { return m_forecastSeries->count(); }

void AnalyticsPage::showForecast()
{
    m_forecastTable->setRowCount(0);
    const int i = m_forecastSeries->currentIndex();
    if (i < 0 || i >= m_forecasts.size()) {
        m_forecastChart->clear(tr("No series to forecast."));
        m_forecastLabel->clear();
        return;
    }
    const SeriesForecast &s = m_forecasts.at(i);
    const bool money = !s.currency.isEmpty();
    auto display = [&](double v) { return money ? major(qint64(std::llround(v)), s.currency) : v; };
    QList<double> history;
    for (double v : s.history)
        history << display(v);
    if (!s.forecast) {
        m_forecastChart->clear(s.label);
        m_forecastChart->setForecast(s.label, s.months, history, {}, {}, money ? s.currency : tr("units"));
        m_forecastLabel->setText(tr("No forecast: %1").arg(s.forecast.error().userMessage));
        return;
    }
    const Forecast &f = *s.forecast;
    QList<ForecastChartView::Point> points;
    for (const ForecastPoint &p : f.points)
        points << ForecastChartView::Point{display(p.value), display(p.lower), display(p.upper)};
    QList<double> backtest;
    for (double v : f.backtestForecast)
        backtest << display(v);
    m_forecastChart->setForecast(s.label, s.months, history, points, backtest, money ? s.currency : tr("units"));
    const QLocale loc = locale();
    QString text = QStringLiteral("<b>%1</b><br>%2").arg(s.label.toHtmlEscaped(), f.describe().toHtmlEscaped());
    if (f.backtestMape)
        text += tr("<br><b>Backtest MAPE %1\u202f%</b>: the last %n month(s) were hidden, the model refitted on the "
                   "rest and compared with what happened.",
                   nullptr, f.backtestPoints)
                    .arg(loc.toString(*f.backtestMape, 'f', 1));
    else
        text += tr("<br>No backtest: the series is too short to hide its last months.");
    text += tr("<br>Band: \u00b1%1 standard deviations of the one-step errors, widening with the horizon.")
                .arg(loc.toString(1.96, 'f', 2));
    if (money)
        text += tr("<br>Amounts rounded once, half up, to %1's minor unit.").arg(s.currency);
    m_forecastLabel->setText(text);
    const QDate last = s.months.isEmpty() ? QDate() : s.months.last();
    for (const ForecastPoint &p : f.points) {
        const int row = m_forecastTable->rowCount();
        m_forecastTable->insertRow(row);
        m_forecastTable->setItem(row, 0, new QTableWidgetItem(loc.toString(last.addMonths(p.step), QStringLiteral("MMM yyyy"))));
        auto cell = [&](double v) {
            QString t;
            if (money) {
                const auto c = Currency::fromCode(s.currency);
                const Result<Money> m = toMoney(v, *c, Rounding::HalfUp);
                t = m ? m->toLocaleString(loc) : QStringLiteral("\u2013");
            } else {
                t = loc.toString(v, 'f', 0);
            }
            auto *item = new QTableWidgetItem(t);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            return item;
        };
        m_forecastTable->setItem(row, 1, cell(p.value));
        m_forecastTable->setItem(row, 2, cell(p.lower));
        m_forecastTable->setItem(row, 3, cell(p.upper));
    }
}

QString AnalyticsPage::cardText(const QString &key) const
{
    const QLabel *l = m_cardValues.value(key);
    return l ? l->text() : QString();
}

QString AnalyticsPage::forecastSummary() const { return m_forecastLabel->text(); }
QString AnalyticsPage::ratesSummary() const { return m_ratesLabel->text(); }

QStringList AnalyticsPage::exportKinds()
{
    return {QStringLiteral("metrics"), QStringLiteral("cohorts"), QStringLiteral("forecast"), QStringLiteral("rates")};
}

QList<QStringList> AnalyticsPage::forecastRows() const
{
    QList<QStringList> out;
    out << QStringList{QStringLiteral("series"), QStringLiteral("month"), QStringLiteral("kind"), QStringLiteral("value"),
                       QStringLiteral("lower"), QStringLiteral("upper"), QStringLiteral("method"), QStringLiteral("backtest_mape_percent")};
    for (const SeriesForecast &s : m_forecasts) {
        const auto c = Currency::fromCode(s.currency);
        auto text = [&](double v) {
            if (c) {
                const Result<Money> m = toMoney(v, *c, Rounding::HalfUp);
                return m ? m->toDecimalString() : QString();
            }
            return QString::number(v, 'f', 2);
        };
        for (int i = 0; i < s.months.size() && i < s.history.size(); ++i)
            out << QStringList{s.label, s.months.at(i).toString(QStringLiteral("yyyy-MM")), QStringLiteral("actual"),
                               text(s.history.at(i)), {}, {}, {}, {}};
        if (!s.forecast)
            continue;
        const Forecast &f = *s.forecast;
        const QDate last = s.months.isEmpty() ? QDate() : s.months.last();
        for (const ForecastPoint &p : f.points)
            out << QStringList{s.label, last.addMonths(p.step).toString(QStringLiteral("yyyy-MM")), QStringLiteral("forecast"),
                               text(p.value), text(p.lower), text(p.upper), f.describe(),
                               f.backtestMape ? QString::number(*f.backtestMape, 'f', 2) : QString()};
    }
    return out;
}

QList<QStringList> AnalyticsPage::ratesRows() const
{
    QList<QStringList> out;
    out << QStringList{QStringLiteral("from"), QStringLiteral("to"), QStringLiteral("base"), QStringLiteral("quote"),
                       QStringLiteral("rate"), QStringLiteral("rate_date"), QStringLiteral("source"), QStringLiteral("inverted")};
    for (const AppliedRate &a : m_snapshot.report.ratesUsed)
        out << QStringList{a.from, a.to, a.row.base, a.row.quote, a.row.rate, a.row.date.toString(Qt::ISODate), a.row.source,
                           a.inverted ? QStringLiteral("yes") : QStringLiteral("no")};
    return out;
}

bool AnalyticsPage::exportCsv(const QString &kind, const QString &path, QString *error)
{
    QList<QStringList> rows;
    if (kind == QLatin1String("metrics")) {
        // Every view: the converted one and each currency.
        AnalyticsTableModel all;
        QList<MonthMetrics> everything = m_snapshot.report.converted;
        for (auto it = m_snapshot.report.perCurrency.cbegin(); it != m_snapshot.report.perCurrency.cend(); ++it)
            everything += it.value();
        all.setRows(everything);
        rows = all.csvRows();
        if (!m_snapshot.report.converted.isEmpty())
            for (int i = 1; i <= m_snapshot.report.converted.size(); ++i)
                rows[i][1] = rows[i][1] + QStringLiteral(" (converted)");
    } else if (kind == QLatin1String("cohorts")) {
        rows = m_cohortModel->csvRows();
    } else if (kind == QLatin1String("forecast")) {
        rows = forecastRows();
    } else if (kind == QLatin1String("rates")) {
        rows = ratesRows();
    } else {
        if (error)
            *error = tr("Unknown table \"%1\".").arg(kind);
        return false;
    }
    const qint64 count = qMax<qint64>(0, rows.size() - 1);
    CsvFileJob::run(
        [path, rows = std::move(rows), count]() -> Result<qint64> {
            if (Status s = AnalyticsService::writeCsv(path, rows); !s)
                return s.error();
            return count;
        },
        this, [this, kind, path](Result<qint64> r) {
            const QString message = r ? tr("Exported %n rows to %1.", nullptr, int(*r)).arg(QDir::toNativeSeparators(path))
                                      : tr("Export failed: %1").arg(r.error().userMessage);
            m_status->setText(message);
            Q_EMIT exportFinished(kind, r.ok(), message);
        });
    return true;
}

void AnalyticsPage::chooseExport()
{
    QMenu menu(this);
    const QStringList labels{tr("Monthly metrics (every currency)"), tr("Cohort retention"), tr("Forecasts"), tr("FX rates used")};
    const QStringList kinds = exportKinds();
    for (int i = 0; i < kinds.size(); ++i) {
        QAction *a = menu.addAction(labels.at(i));
        a->setData(kinds.at(i));
    }
    QAction *chosen = menu.exec(m_export->mapToGlobal(QPoint(0, m_export->height())));
    if (!chosen)
        return;
    const QString kind = chosen->data().toString();
    const QString file = QFileDialog::getSaveFileName(this, tr("Export %1").arg(chosen->text()),
                                                      QStringLiteral("analytics-%1.csv").arg(kind), tr("CSV files (*.csv)"));
    if (file.isEmpty())
        return;
    QString error;
    if (!exportCsv(kind, file, &error))
        QMessageBox::warning(this, tr("Export failed"), error);
}

} // namespace Billing
