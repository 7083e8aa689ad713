#pragma once

#include "services/access/actor.h"
#include "services/fx/fxrate.h"

#include <QDialog>
#include <QPointer>

class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace Billing {

class AsyncBillingDatabase;
class FxRateTableModel;

// Finance's dated FX-rate table: lists every rate, adds one (base, quote, date, exact decimal rate,
// source) or imports a CSV (date,base,quote,rate[,source]; all or nothing). Writes run on the billing
// database's worker through FxRateRepository (role check ManageFxRates, one transaction with its audit
// row); a zero or negative rate, or a bad CSV line, is refused with the reason and nothing is saved.
// Staff without the permission see the table read-only.
class FxRateDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FxRateDialog)

public:
    FxRateDialog(AsyncBillingDatabase &db, const Actor &actor, QWidget *parent = nullptr);

    void reload();
    // Imports a file as the Import button does after its file dialog (tests call this directly).
    void importFile(const QString &path);

    // For tests.
    QLineEdit *rateEdit() const { return m_rate; }
    QComboBox *baseCombo() const { return m_base; }
    QComboBox *quoteCombo() const { return m_quote; }
    QDateEdit *dateEdit() const { return m_date; }
    QLineEdit *sourceEdit() const { return m_source; }
    QPushButton *saveButton() const { return m_save; }
    QString message() const;
    FxRateTableModel *model() const { return m_model; }
    bool busy() const { return m_busy; }

Q_SIGNALS:
    void saved(int rows);
    void failed(const QString &message);
    void reloaded();

private:
    void save();
    void chooseImport();
    void setBusy(bool busy);
    void showMessage(const QString &text, bool error);

    AsyncBillingDatabase &m_db;
    Actor m_actor;
    bool m_canWrite = false;
    bool m_busy = false;
    FxRateTableModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    QComboBox *m_base = nullptr;
    QComboBox *m_quote = nullptr;
    QDateEdit *m_date = nullptr;
    QLineEdit *m_rate = nullptr;
    QLineEdit *m_source = nullptr;
    QPushButton *m_save = nullptr;
    QPushButton *m_import = nullptr;
    QLabel *m_message = nullptr;
};

} // namespace Billing
