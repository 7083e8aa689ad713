#include "ui/dialogs/fxratedialog.h"

#include "models/fxratetablemodel.h"
#include "services/access/accesspolicy.h"
#include "services/domain/currency.h"
#include "services/fx/fxraterepository.h"
#include "services/storage/asyncbillingdatabase.h"

#include <QComboBox>
#include <QDateEdit>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace Billing {

FxRateDialog::FxRateDialog(AsyncBillingDatabase &db, const Actor &actor, QWidget *parent)
    : QDialog(parent), m_db(db), m_actor(actor), m_canWrite(AccessPolicy::allows(actor.role, Permission::ManageFxRates))
{
    setObjectName(QStringLiteral("fxRateDialog"));
    setWindowTitle(tr("FX rates"));
    resize(820, 560);
    auto *root = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Dated exchange rates for the reporting-currency views: 1 base = rate quote, from the "
                                "date given until the next dated rate of the pair. Rates are exact decimals."),
                             this);
    intro->setWordWrap(true);
    root->addWidget(intro);

    m_model = new FxRateTableModel(this);
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(FxRateTableModel::RawRole);
    m_table = new QTableView(this);
    m_table->setModel(proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(FxRateTableModel::Base, Qt::AscendingOrder);
    m_table->verticalHeader()->hide();
    m_table->setAlternatingRowColors(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    root->addWidget(m_table, 1);

    auto *box = new QGroupBox(tr("Add or replace a rate"), this);
    auto *form = new QHBoxLayout(box);
    const QStringList codes = Currency::supportedCodes();
    m_base = new QComboBox(box);
    m_base->setObjectName(QStringLiteral("fxBase"));
    m_base->addItems(codes);
    m_base->setCurrentText(QStringLiteral("EUR"));
    m_quote = new QComboBox(box);
    m_quote->setObjectName(QStringLiteral("fxQuote"));
    m_quote->addItems(codes);
    m_quote->setCurrentText(QStringLiteral("USD"));
    m_date = new QDateEdit(QDateTime::currentDateTimeUtc().date(), box);
    m_date->setObjectName(QStringLiteral("fxDate"));
    m_date->setCalendarPopup(true);
    m_date->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    m_rate = new QLineEdit(box);
    m_rate->setObjectName(QStringLiteral("fxRate"));
    m_rate->setPlaceholderText(tr("e.g. 1.0842"));
    m_source = new QLineEdit(box);
    m_source->setObjectName(QStringLiteral("fxSource"));
    m_source->setPlaceholderText(tr("source (optional)"));
    m_save = new QPushButton(tr("Save rate"), box);
    m_save->setObjectName(QStringLiteral("fxSave"));
    form->addWidget(new QLabel(tr("1"), box));
    form->addWidget(m_base);
    form->addWidget(new QLabel(tr("="), box));
    form->addWidget(m_rate, 1);
    form->addWidget(m_quote);
    form->addWidget(new QLabel(tr("from"), box));
    form->addWidget(m_date);
    form->addWidget(m_source, 1);
    form->addWidget(m_save);
    root->addWidget(box);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("fxMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    root->addWidget(m_message);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_import = buttons->addButton(tr("Import CSV\u2026"), QDialogButtonBox::ActionRole);
    m_import->setObjectName(QStringLiteral("fxImport"));
    root->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_save, &QPushButton::clicked, this, &FxRateDialog::save);
    connect(m_rate, &QLineEdit::returnPressed, this, &FxRateDialog::save);
    connect(m_import, &QPushButton::clicked, this, &FxRateDialog::chooseImport);

    if (!m_canWrite) {
        box->setEnabled(false);
        m_import->setEnabled(false);
        showMessage(tr("Only finance and administrators change FX rates; you can read them."), false);
    }
    reload();
}

QString FxRateDialog::message() const { return m_message->text(); }

void FxRateDialog::showMessage(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
}

void FxRateDialog::setBusy(bool busy)
{
    m_busy = busy;
    m_save->setEnabled(!busy && m_canWrite);
    m_import->setEnabled(!busy && m_canWrite);
}

void FxRateDialog::reload()
{
    m_db.thread().run(
        this, [](BillingDatabase &db) { return FxRateRepository(db).rates(); },
        [this](Result<QList<FxRate>> rates) {
            if (!rates) {
                showMessage(rates.error().userMessage, true);
                return;
            }
            m_model->setRates(*rates);
            Q_EMIT reloaded();
        });
}

void FxRateDialog::save()
{
    if (!m_canWrite || m_busy)
        return;
    FxRate r;
    r.base = m_base->currentText();
    r.quote = m_quote->currentText();
    r.date = m_date->date();
    r.rate = m_rate->text();
    r.source = m_source->text().trimmed().isEmpty() ? tr("manual") : m_source->text().trimmed();
    // Checked here for an immediate answer; the repository checks again before it writes.
    if (Result<FxRate> ok = FxRateRepository::normalised(r); !ok) {
        showMessage(ok.error().userMessage, true);
        m_rate->setFocus();
        Q_EMIT failed(ok.error().userMessage);
        return;
    }
    setBusy(true);
    const Actor actor = m_actor;
    m_db.thread().run(
        this, [r, actor](BillingDatabase &db) { return FxRateRepository(db).save({r}, actor); },
        [this, r](Result<FxSaveReport> report) {
            setBusy(false);
            if (!report) {
                showMessage(report.error().userMessage, true);
                Q_EMIT failed(report.error().userMessage);
                return;
            }
            showMessage(report->replaced ? tr("Replaced the %1/%2 rate of %3.").arg(r.base, r.quote, r.date.toString(Qt::ISODate))
                                         : tr("Saved 1 %1 = %2 %3 from %4.")
                                               .arg(r.base, ExactRate::parse(r.rate)->toString(), r.quote,
                                                    r.date.toString(Qt::ISODate)),
                        false);
            m_rate->clear();
            reload();
            Q_EMIT saved(report->rows);
        });
}

void FxRateDialog::chooseImport()
{
    const QString file = QFileDialog::getOpenFileName(this, tr("Import FX rates"), QString(),
                                                      tr("CSV files (*.csv);;All files (*)"));
    if (!file.isEmpty())
        importFile(file);
}

void FxRateDialog::importFile(const QString &path)
{
    if (!m_canWrite || m_busy)
        return;
    setBusy(true);
    showMessage(tr("Importing %1\u2026").arg(QFileInfo(path).fileName()), false);
    const Actor actor = m_actor;
    m_db.thread().run(
        this, [path, actor](BillingDatabase &db) { return FxRateRepository(db).importCsv(path, actor); },
        [this, path](Result<FxSaveReport> report) {
            setBusy(false);
            if (!report) {
                showMessage(tr("Nothing was imported from %1. %2").arg(QFileInfo(path).fileName(), report.error().userMessage),
                            true);
                Q_EMIT failed(report.error().userMessage);
                return;
            }
            showMessage(tr("Imported %1 rates from %2: %3 new, %4 replaced.")
                            .arg(report->rows)
                            .arg(QFileInfo(path).fileName())
                            .arg(report->inserted)
                            .arg(report->replaced),
                        false);
            reload();
            Q_EMIT saved(report->rows);
        });
}

} // namespace Billing
