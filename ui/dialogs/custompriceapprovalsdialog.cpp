#include "ui/dialogs/custompriceapprovalsdialog.h"

#include "models/formatting.h"
#include "services/pricing/custompricingservice.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace Billing {

CustomPriceApprovalsDialog::CustomPriceApprovalsDialog(CustomPricingService *service, QWidget *parent)
    : QDialog(parent), m_service(service)
{
    setObjectName(QStringLiteral("CustomPriceApprovalsDialog"));
    setWindowTitle(tr("Custom price approvals"));
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(20, 18, 20, 14);
    m_table = new QTableWidget(0, 6);
    m_table->setObjectName(QStringLiteral("ApprovalsTable"));
    m_table->setHorizontalHeaderLabels({tr("Request"), tr("Customer"), tr("Phases"), tr("Discount"), tr("Asked by"), tr("Why it waits")});
    m_table->verticalHeader()->setVisible(false);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(5, QHeaderView::Stretch);
    m_table->setWordWrap(true);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    root->addWidget(m_table, 1);
    auto *row = new QHBoxLayout;
    m_note = new QLineEdit;
    m_note->setPlaceholderText(tr("Note for the requester (needed to reject)"));
    m_approve = new QPushButton(tr("Approve and send"));
    m_approve->setObjectName(QStringLiteral("ApproveButton"));
    m_reject = new QPushButton(tr("Reject"));
    m_reject->setObjectName(QStringLiteral("RejectButton"));
    row->addWidget(m_note, 1);
    row->addWidget(m_approve);
    row->addWidget(m_reject);
    root->addLayout(row);
    m_status = new QLabel;
    m_status->setWordWrap(true);
    root->addWidget(m_status);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    root->addWidget(buttons);
    connect(m_approve, &QPushButton::clicked, this, [this] { decide(true); });
    connect(m_reject, &QPushButton::clicked, this, [this] { decide(false); });
    connect(m_service, &CustomPricingService::dealChanged, this, &CustomPriceApprovalsDialog::reload);
    resize(980, 420);
    reload();
}

qint64 CustomPriceApprovalsDialog::selectedId() const
{
    const int r = m_table->currentRow();
    return r >= 0 && r < m_deals.size() ? m_deals.at(r).id : 0;
}

void CustomPriceApprovalsDialog::reload()
{
    m_service->deals(QStringLiteral("pending"), this, [this](Result<QList<CustomDeal>> deals) {
        if (!deals) {
            m_status->setText(deals.error().userMessage);
            return;
        }
        m_deals = *deals;
        m_table->setRowCount(0);
        const QLocale l = locale();
        for (const CustomDeal &d : m_deals) {
            const int r = m_table->rowCount();
            m_table->insertRow(r);
            QStringList phases;
            for (const RampPhase &p : d.phases)
                phases << (p.months > 0 ? tr("%1 for %2 months").arg(Format::money(p.unitAmountMinor, d.currency, l)).arg(p.months)
                                        : tr("then %1").arg(Format::money(p.unitAmountMinor, d.currency, l)));
            m_table->setItem(r, 0, new QTableWidgetItem(QString::number(d.id)));
            m_table->setItem(r, 1, new QTableWidgetItem(d.customerName.isEmpty() ? d.customerId : d.customerName));
            m_table->setItem(r, 2, new QTableWidgetItem(phases.join(QStringLiteral(", "))));
            m_table->setItem(r, 3, new QTableWidgetItem(QStringLiteral("%1.%2%").arg(d.discountPermille / 10).arg(d.discountPermille % 10)));
            m_table->setItem(r, 4, new QTableWidgetItem(d.requestedBy));
            m_table->setItem(r, 5, new QTableWidgetItem(d.note));
            m_table->item(r, 5)->setToolTip(d.note);
        }
        if (m_table->rowCount() > 0)
            m_table->selectRow(0);
        m_approve->setEnabled(!m_deals.isEmpty());
        m_reject->setEnabled(!m_deals.isEmpty());
        if (m_deals.isEmpty())
            m_status->setText(tr("Nothing waits for approval."));
    });
}

void CustomPriceApprovalsDialog::decide(bool approve)
{
    const qint64 id = selectedId();
    if (id == 0)
        return;
    auto done = [this](Result<CustomDeal> d) {
        m_status->setText(d ? (d->status == CustomDeal::Status::Rejected ? tr("Request %1 rejected.").arg(d->id)
                                                                         : tr("Request %1 approved: sending to Stripe.").arg(d->id))
                            : d.error().userMessage);
    };
    if (approve)
        m_service->approve(id, m_note->text(), this, done);
    else
        m_service->reject(id, m_note->text(), this, done);
}

} // namespace Billing
