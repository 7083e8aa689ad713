#include "ui/tablepagelayout.h"

#include "ui/statusdelegate.h"

#include <QFrame>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace Billing {

void TablePageLayout::setUpView(QTableView *view)
{
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setShowGrid(false);
    view->setWordWrap(false);
    view->setItemDelegate(new StatusDelegate(view));
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(34);
    view->horizontalHeader()->setHighlightSections(false);
}

void TablePageLayout::setColumnWidths(QTableView *view, const QList<int> &widths, int elasticColumn)
{
    QHeaderView *header = view->horizontalHeader();
    header->setStretchLastSection(false);
    for (int i = 0; i < widths.size(); ++i) {
        view->setColumnHidden(i, widths.at(i) == 0 && i != elasticColumn);
        if (widths.at(i) > 0)
            header->resizeSection(i, widths.at(i));
    }
    header->setSectionResizeMode(elasticColumn, QHeaderView::Stretch);
}

QStackedWidget *TablePageLayout::createTableStack(QTableView *view, QLabel **empty)
{
    auto *label = new QLabel;
    label->setObjectName(QStringLiteral("EmptyState"));
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    auto *stack = new QStackedWidget;
    stack->addWidget(view);
    stack->addWidget(label);
    *empty = label;
    return stack;
}

QFrame *TablePageLayout::createDetailFrame(QScrollArea **scroll, int minimumWidth)
{
    auto *frame = new QFrame;
    frame->setObjectName(QStringLiteral("DetailPanel"));
    auto *layout = new QVBoxLayout(frame);
    layout->setContentsMargins(1, 1, 1, 1);
    auto *area = new QScrollArea;
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    area->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    area->setStyleSheet(QStringLiteral("QScrollArea { background: transparent; }"));
    layout->addWidget(area);
    frame->setMinimumWidth(minimumWidth);
    *scroll = area;
    return frame;
}

QSplitter *TablePageLayout::createSplitter(QWidget *table, QWidget *detail, const QList<int> &sizes)
{
    auto *splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(table);
    splitter->addWidget(detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);
    splitter->setHandleWidth(12);
    splitter->setSizes(sizes);
    return splitter;
}

} // namespace Billing
