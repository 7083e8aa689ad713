#pragma once

#include <QString>
#include <QStringList>

namespace Billing {

class WorkspaceSession;

// `billing-console price <list [--currency CUR] | quote PRICE --quantity N [--currency CUR]
//                         [--customer NAME] [-o FILE.csv]>`, from the local cache (run `sync` first):
//  list    the active prices: id, product, model, currencies
//  quote   what the price charges for the quantity, line by line in minor units, exactly as the
//          price calculator (and Stripe's invoice) computes it; -o also writes the quote as CSV
// Reads only; nothing is sent to Stripe. args: what follows "price". Exit codes as
// HeadlessCommands: 0 ok, 1 failed, 2 bad arguments.
int runPriceCommand(WorkspaceSession &session, const QStringList &args);
QString priceUsage();

} // namespace Billing
