#pragma once

#include <QString>
#include <QStringList>

namespace Billing {

class WorkspaceSession;

// `billing-console referrals <run|list|record|rule> [options]`, headless (scheduled runs).
//  run                       credit every referrer whose referee has paid their first invoice, once
//                            (ReferralProgram: claimed in the billing database, one outbox entry per
//                            referral, Stripe's ledger checked first); waits until Stripe answered
//  list                      every referral and where it stands
//  record --referrer CUS --referee CUS [--code C] [--note N]
//  rule CUR AMOUNT           the referrer's reward in CUR (e.g. "rule usd 20.00"); AMOUNT 0 removes it
// args: what follows "referrals"; staffEmail: --staff (who acts). Exit codes: 0 ok, 1 failed (or a
// reward needs attention), 2 bad arguments.
int runReferralCommand(WorkspaceSession &session, const QStringList &args, const QString &staffEmail);
QString referralUsage();

} // namespace Billing
