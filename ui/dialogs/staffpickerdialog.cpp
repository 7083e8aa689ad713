#include "ui/dialogs/staffpickerdialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace Billing {

QString StaffPickerDialog::roleLabel(StaffRole role)
{
    switch (role) {
    case StaffRole::Admin: return tr("Admin");
    case StaffRole::Finance: return tr("Finance");
    case StaffRole::Support: return tr("Support");
    case StaffRole::ReadOnly: return tr("Read-only");
    }
    return {};
}

StaffPickerDialog::StaffPickerDialog(const QList<StaffMember> &candidates, const QString &workspaceName, QWidget *parent)
    : QDialog(parent), m_candidates(candidates)
{
    setWindowTitle(tr("Who is working? — %1").arg(workspaceName));
    setObjectName(QStringLiteral("StaffPickerDialog"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(20, 18, 20, 16);
    layout->setSpacing(10);
    auto *intro = new QLabel(tr("Choose your staff profile. What you can do in this console depends on its role, "
                                "and every change you make is recorded in the audit log under it."));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("StaffList"));
    m_list->setSpacing(2);
    for (const StaffMember &m : candidates) {
        auto *item = new QListWidgetItem(tr("%1 — %2\n%3").arg(m.displayName, roleLabel(m.role), m.email));
        item->setData(Qt::UserRole, m.email);
        item->setSizeHint(QSize(0, 46));
        m_list->addItem(item);
    }
    layout->addWidget(m_list, 1);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Sign in"));
    m_buttons->button(QDialogButtonBox::Ok)->setDefault(true);
    m_buttons->button(QDialogButtonBox::Cancel)->setText(tr("Quit"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_list, &QListWidget::itemDoubleClicked, this, &QDialog::accept);
    auto update = [this] { m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_list->currentRow() >= 0); };
    connect(m_list, &QListWidget::currentRowChanged, this, update);
    if (!candidates.isEmpty())
        m_list->setCurrentRow(0);
    update();
    resize(440, 360);
}

std::optional<StaffMember> StaffPickerDialog::selected() const
{
    const int row = m_list->currentRow();
    if (row < 0 || row >= m_candidates.size())
        return std::nullopt;
    return m_candidates.at(row);
}

void StaffPickerDialog::selectEmail(const QString &email)
{
    for (int i = 0; i < m_candidates.size(); ++i) {
        if (m_candidates.at(i).email.compare(email, Qt::CaseInsensitive) == 0)
            m_list->setCurrentRow(i);
    }
}

} // namespace Billing
