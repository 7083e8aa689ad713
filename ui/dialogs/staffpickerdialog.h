#pragma once

#include "services/storage/billingdatabase.h"

#include <QDialog>

#include <optional>

class QDialogButtonBox;
class QListWidget;

namespace Billing {

// Start-up: "Who is working?" when the billing database has several staff profiles and none was
// named (--staff) or used last. Lists the active profiles with their roles; double click or OK.
class StaffPickerDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StaffPickerDialog)
public:
    StaffPickerDialog(const QList<StaffMember> &candidates, const QString &workspaceName, QWidget *parent = nullptr);

    std::optional<StaffMember> selected() const;
    QListWidget *list() const { return m_list; }
    void selectEmail(const QString &email);

    static QString roleLabel(StaffRole role); // "Admin", "Finance", "Support", "Read-only"

private:
    QList<StaffMember> m_candidates;
    QListWidget *m_list;
    QDialogButtonBox *m_buttons;
};

} // namespace Billing
