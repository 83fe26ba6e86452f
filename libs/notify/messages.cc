#include "notify/messages.h"

#include <cctype>
#include <string>

namespace tocsin::notify {
namespace {

constexpr Messages kEnglish = {
    .code = "en",
    .subject_down = "DOWN | $0",
    .subject_up = "UP | $0",
    .headline_down = "The check \xE2\x80\x9C$0\xE2\x80\x9D is DOWN.",
    .headline_up = "The check \xE2\x80\x9C$0\xE2\x80\x9D is UP again.",
    .changed_at = "Status changed",
    .last_ping = "Last ping",
    .never = "never",
    .exit_status = "Exit status",
    .tags = "Tags",
    .description = "Description",
    .last_ping_body = "Last ping body",
    .truncated = "(truncated)",
    .view_check = "View the check",
    .view_in_site = "View in $0",
    .email_footer =
        "You are receiving this email because this address is an "
        "email integration of a $0 project.",
    .status_down = "DOWN",
    .status_up = "UP",
    .status_grace = "LATE",
    .status_paused = "PAUSED",
    .status_new = "NEW",
    .status_started = "STARTED",
    .report_subject_none = "$0: no checks are down",
    .report_subject_one = "$0: 1 check is down",
    .report_subject_many = "$0: $1 checks are down",
    .report_intro =
        "Down checks in project \xE2\x80\x9C$0\xE2\x80\x9D as of $1:",
    .report_none =
        "As of $1, no checks in project \xE2\x80\x9C$0\xE2\x80\x9D "
        "are down.",
    .column_name = "Name",
    .column_status = "Status",
    .unnamed = "(unnamed)",
    .report_footer = "This report was sent by $0.",
    .invitation_subject = "You are invited to the project $1",
    .invitation_intro = "$0 invites you to the project \"$1\" ($2).",
    .invitation_action = "Join the project",
    .invitation_terms =
        "The link works once, for 7 days, when you are logged in with this "
        "address (you can create an account with it first).",
    .role_rw = "read-write",
    .role_ro = "read-only",
    .invitation_footer =
        "You get this message because someone invited this address on $0. "
        "If you did not expect it, ignore it.",
};

constexpr Messages kJapanese = {
    .code = "ja",
    .subject_down = "【ダウン】$0",
    .subject_up = "【復旧】$0",
    .headline_down = "チェック「$0」がダウンしました。",
    .headline_up = "チェック「$0」が復旧しました。",
    .changed_at = "ステータス変更日時",
    .last_ping = "最終 ping",
    .never = "なし",
    .exit_status = "終了ステータス",
    .tags = "タグ",
    .description = "説明",
    .last_ping_body = "最終 ping の本文",
    .truncated = "(以下省略)",
    .view_check = "チェックを表示",
    .view_in_site = "$0 で表示",
    .email_footer =
        "このメールは、このアドレスが $0 のプロジェクトのメール通知先に"
        "設定されているため送信されました。",
    .status_down = "ダウン",
    .status_up = "正常",
    .status_grace = "遅延",
    .status_paused = "一時停止",
    .status_new = "新規",
    .status_started = "実行中",
    .report_subject_none = "$0: ダウンしているチェックはありません",
    .report_subject_one = "$0: 1 件のチェックがダウンしています",
    .report_subject_many = "$0: $1 件のチェックがダウンしています",
    .report_intro =
        "$1 時点で、プロジェクト「$0」でダウンしているチェックは"
        "次のとおりです。",
    .report_none =
        "$1 時点で、プロジェクト「$0」でダウンしているチェックは"
        "ありません。",
    .column_name = "名前",
    .column_status = "ステータス",
    .unnamed = "(名前なし)",
    .report_footer = "このレポートは $0 から送信されました。",
    .invitation_subject = "プロジェクト「$1」への招待",
    .invitation_intro = "$0 さんから、プロジェクト「$1」（$2）に招待されました。",
    .invitation_action = "プロジェクトに参加",
    .invitation_terms =
        "このリンクは、このアドレスでログインした状態で 7 日以内に一度だけ"
        "使えます（先にこのアドレスでアカウントを作成できます）。",
    .role_rw = "読み書き",
    .role_ro = "読み取り専用",
    .invitation_footer =
        "このメールは、$0 でこのアドレスが招待されたため送信されました。"
        "心当たりがない場合は無視してください。",
};

}  // namespace

const Messages& MessagesFor(std::string_view language) {
  // Only the primary subtag matters: "ja-JP" and "ja_JP" are Japanese.
  std::string primary;
  for (char c : language) {
    if (c == '-' || c == '_') break;
    primary += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (primary == "ja") return kJapanese;
  return kEnglish;
}

}  // namespace tocsin::notify
