#include "web-gateway/i18n.h"

#include <algorithm>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace tocsin::gateway {
namespace {

// English -> Japanese. The English text is the key, as the code writes it
// ($0, $1 ... are values, HTML tags stay where they are). A test checks that
// every text the dashboard passes to Tr is here (tools/i18n_strings.py).
const std::vector<std::pair<const char*, const char*>> kJapanese = {
    // The layout, tabs, statuses, kinds.
    {"Projects", "プロジェクト"},
    {"Project", "プロジェクト"},
    {"Password", "パスワード"},
    {"Log out", "ログアウト"},
    {"Log in", "ログイン"},
    {"Checks", "チェック"},
    {"Integrations", "連携"},
    {"Badges", "バッジ"},
    {"Settings", "設定"},
    {"up", "正常"},
    {"down", "ダウン"},
    {"late", "遅延"},
    {"paused", "一時停止"},
    {"new", "新規"},
    {"success", "成功"},
    {"start", "開始"},
    {"failure", "失敗"},
    {"log", "ログ"},
    {"ignored", "無視"},
    {"pending", "送信待ち"},
    {"sent", "送信済み"},
    {"failed", "失敗"},
    {"skipped", "スキップ"},
    {"test", "テスト"},
    {"never", "まだありません"},
    {"owner", "オーナー"},
    {"read-write", "読み書き"},
    {"read-only", "読み取り専用"},
    {"Read-write", "読み書き"},
    {"Read-only", "読み取り専用"},
    {"integration", "連携"},
    {"Email", "メール"},
    {"Webhook", "Webhook"},
    {"Slack", "Slack"},
    {"Mattermost", "Mattermost"},
    {"Rocket.Chat", "Rocket.Chat"},
    {"Discord", "Discord"},
    {"Microsoft Teams", "Microsoft Teams"},
    {"ntfy", "ntfy"},
    {"Telegram", "Telegram"},

    // Titles and common words.
    {"Unavailable", "ご利用いただけません"},
    {"Not found", "見つかりません"},
    {"Forbidden", "アクセスできません"},
    {"Bad request", "リクエストが正しくありません"},
    {"Account ready", "アカウントの準備ができました"},
    {"Create an account", "アカウントを作成"},
    {"Sign-up is closed", "新規登録は受け付けていません"},
    {"Change password", "パスワードを変更"},
    {"Password changed", "パスワードを変更しました"},
    {"New check", "新しいチェック"},
    {"Edit check", "チェックを編集"},
    {"Delete check", "チェックを削除"},
    {"Delete project", "プロジェクトを削除"},
    {"API key created", "API キーを作成しました"},
    {"$0: settings", "$0: 設定"},
    {"$0: integrations", "$0: 連携"},
    {"Ping #$0: body", "Ping #$0: 本文"},
    {"Name", "名前"},
    {"Status", "状態"},
    {"Last ping", "最終 ping"},
    {"Tags", "タグ"},
    {"Description", "説明"},
    {"Delete", "削除"},
    {"Cancel", "キャンセル"},
    {"Rename", "名前を変更"},
    {"Filter", "絞り込む"},
    {"Show all", "すべて表示"},
    {"Kind", "種類"},
    {"Added", "追加日時"},
    {"Time", "日時"},
    {"Source", "送信元"},
    {"User agent", "User-Agent"},
    {"Duration", "所要時間"},
    {"Body", "本文"},
    {"body", "本文"},
    {"When", "日時"},
    {"Integration", "連携"},
    {"Change", "変化"},
    {"State", "状態"},
    {"Attempts", "試行回数"},
    {"Last attempt", "最後の試行"},
    {"Label", "ラベル"},
    {"Access", "権限"},
    {"Created", "作成日時"},
    {"Revoke", "無効にする"},
    {"Send", "送信"},

    // Accounts.
    {"Email address", "メールアドレス"},
    {"Password (at least 8 characters)", "パスワード（8 文字以上）"},
    {"Create account", "アカウントを作成"},
    {"Current password", "現在のパスワード"},
    {"New password (at least 8 characters)", "新しいパスワード（8 文字以上）"},
    {"<p>New here? <a href=\"$0\">Create an account</a>.</p>",
     "<p>はじめての方は<a href=\"$0\">アカウントを作成</a>してください。</p>"},
    {"<p>Have an account? <a href=\"$0\">Log in</a>.</p>",
     "<p>アカウントをお持ちの方は<a href=\"$0\">ログイン</a>してください。</p>"},
    {"<p>If that address had no account, it has one now. <a href=\"$0\">Log in</a>.</p>",
     "<p>そのアドレスのアカウントがなかった場合は、作成されました。"
     "<a href=\"$0\">ログイン</a>してください。</p>"},
    {"<p>The form expired or came from elsewhere. <a href=\"$0\">Try again</a>.</p>",
     "<p>フォームの有効期限が切れたか、別のサイトから送信されました。"
     "<a href=\"$0\">もう一度お試しください</a>。</p>"},
    {"The form expired or came from elsewhere.",
     "フォームの有効期限が切れたか、別のサイトから送信されました。"},
    {"Ask an administrator for an account.", "アカウントは管理者に依頼してください。"},
    {"Wrong email address or password.", "メールアドレスまたはパスワードが違います。"},
    {"The form has characters that are not text (invalid UTF-8). Check what you entered and try again.",
     "フォームにテキストではない文字（不正な UTF-8）が含まれています。"
     "入力内容を確認して、もう一度お試しください。"},
    {"Too many attempts. Wait a minute and try again.",
     "試行回数が多すぎます。1 分ほど待ってから、もう一度お試しください。"},
    {"The service is busy; try again shortly.",
     "サービスが混み合っています。しばらくしてからお試しください。"},
    {"The service is busy or unavailable; try again shortly.",
     "サービスが混み合っているか停止しています。しばらくしてからお試しください。"},
    {"The password needs at least 8 characters.", "パスワードは 8 文字以上にしてください。"},
    {"That is not an email address.", "メールアドレスの形式ではありません。"},
    {"The current password is wrong.", "現在のパスワードが違います。"},
    {"The new password needs at least 8 characters.",
     "新しいパスワードは 8 文字以上にしてください。"},
    {"Your password is changed; your other sessions have ended.",
     "パスワードを変更しました。ほかのセッションはすべて終了しました。"},

    // Projects.
    {"You belong to no project yet.", "まだどのプロジェクトにも参加していません。"},
    {"New project", "新しいプロジェクト"},
    {"Create project", "プロジェクトを作成"},
    {"A project needs a name.", "プロジェクトには名前が必要です。"},
    {"No such project.", "そのプロジェクトはありません。"},
    {"You can only read this project.", "このプロジェクトは読み取りのみ可能です。"},
    {"<p>Your role in this project: <strong>$0</strong>.</p>",
     "<p>このプロジェクトでのあなたの役割: <strong>$0</strong></p>"},
    {"Project name", "プロジェクト名"},
    {"Ping key", "Ping キー"},
    {"ping key", "Ping キー"},
    {"<p>Checks with a slug can be pinged at <code>$0</code>.</p>",
     "<p>スラッグのあるチェックには <code>$0</code> で ping できます。</p>"},
    {"API keys", "API キー"},
    {"API key", "API キー"},
    {"No API keys yet.", "API キーはまだありません。"},
    {"(no label)", "（ラベルなし）"},
    {"Revoke $0", "$0 を無効にする"},
    {"New API key", "新しい API キー"},
    {"Label (what the key is for)", "ラベル（キーの用途）"},
    {"Create API key", "API キーを作成"},
    {"Access is read-write or read-only.", "権限は「読み書き」か「読み取り専用」です。"},
    {"Copy the key now: it is shown only once.",
     "今すぐキーをコピーしてください。表示されるのはこの一度だけです。"},
    {"Back to the settings", "設定に戻る"},
    {"Delete this project\xe2\x80\xa6", "このプロジェクトを削除…"},
    {"Only the project's owner may delete it.",
     "プロジェクトを削除できるのはオーナーだけです。"},
    {"<p>Delete <strong>$0</strong>? All its checks with their pings and history, its "
     "integrations and its API keys go with it, and every ping URL of it stops working. "
     "This cannot be undone.</p>",
     "<p><strong>$0</strong> を削除しますか？すべてのチェックとその ping・履歴、連携、API "
     "キーも削除され、このプロジェクトの ping URL はすべて使えなくなります。元に戻すことは"
     "できません。</p>"},

    // Checks.
    {"No checks yet.", "チェックはまだありません。"},
    {"Search by name, slug or UUID", "名前・スラッグ・UUID で検索"},
    {"$0 of $1 checks", "$1 件中 $0 件のチェック"},
    {"No such check.", "そのチェックはありません。"},
    {"Ping URL", "Ping URL"},
    {"ping URL", "Ping URL"},
    {"Schedule", "スケジュール"},
    {"every $0", "$0 ごと"},
    {"$0, grace $1", "$0、猶予 $1"},
    {"Pings received", "受信した ping"},
    {"Pause", "一時停止"},
    {"Resume", "再開"},
    {"Edit this check", "このチェックを編集"},
    {"Delete this check\xe2\x80\xa6", "このチェックを削除…"},
    {"How to ping it", "ping の送り方"},
    {"From a crontab", "crontab から"},
    {"crontab line", "crontab の行"},
    {"Bash, reporting the exit status and timing the run",
     "Bash（終了コードを報告し、実行時間を計測）"},
    {"bash script", "bash スクリプト"},
    {"With runitor", "runitor で"},
    {"runitor command", "runitor コマンド"},
    {"Status history", "状態の履歴"},
    {"No status changes yet.", "状態の変化はまだありません。"},
    {"Pings", "Ping"},
    {"No pings yet.", "ping はまだありません。"},
    {" (exit $0)", "（終了コード $0）"},
    {"$0 $1 from $2", "$2 から $0 $1"},
    {"$0 bytes", "$0 バイト"},
    {"$0 bytes.", "$0 バイト。"},
    {"No such ping.", "その ping はありません。"},
    {"No such ping, or no body.", "その ping がないか、本文がありません。"},
    {"Back to the check", "チェックに戻る"},
    {"Notifications", "通知"},
    {"Slug (for ping URLs by ping key; a-z, 0-9, - and _)",
     "スラッグ（Ping キーによる ping URL 用。a-z、0-9、- と _）"},
    {"Tags (separated by spaces)", "タグ（空白区切り）"},
    {"Period: a ping is expected every (minutes)", "間隔: ping が来るはずの周期（分）"},
    {"Grace time (minutes)", "猶予時間（分）"},
    {"Or a schedule instead of the period: cron (0 3 * * *) or OnCalendar (Mon..Fri 09:00)",
     "または間隔の代わりにスケジュール: cron（0 3 * * *）か OnCalendar（Mon..Fri 09:00）"},
    {"Time zone of the schedule", "スケジュールのタイムゾーン"},
    {"Create check", "チェックを作成"},
    {"Save changes", "変更を保存"},
    {"Next expected:", "次に予定される時刻:"},
    {"Period and grace time are whole numbers of minutes, from 1 to 525600.",
     "間隔と猶予時間は 1 から 525600 までの整数（分）で指定してください。"},
    {"<p>Delete <strong>$0</strong>? Its pings, status history and notifications go with "
     "it, and its ping URL stops working. This cannot be undone.</p>",
     "<p><strong>$0</strong> を削除しますか？ping、状態の履歴、通知も削除され、ping URL は"
     "使えなくなります。元に戻すことはできません。</p>"},

    // Integrations.
    {"No integrations yet: alerts go nowhere.", "連携はまだありません。通知はどこにも届きません。"},
    {"Add an integration", "連携を追加"},
    {"A new integration alerts for every check of the project, and checks made here alert "
     "through every integration; a check's page chooses its own.",
     "新しい連携はプロジェクトのすべてのチェックに使われ、ここで作ったチェックはすべての連携"
     "に通知します。チェックごとの設定はチェックのページで変えられます。"},
    {"Add $0", "$0 を追加"},
    {"Addresses (separated by commas)", "宛先（カンマ区切り）"},
    {"Language of the emails", "メールの言語"},
    {"URL to call when a check goes down", "チェックがダウンしたときに呼ぶ URL"},
    {"URL to call when a check comes back up", "チェックが正常に戻ったときに呼ぶ URL"},
    {"Method", "メソッド"},
    {"Body (optional; placeholders such as $NAME and $STATUS work)",
     "本文（任意。$NAME や $STATUS などのプレースホルダーが使えます）"},
    {"Body (optional)", "本文（任意）"},
    {"GET, or POST with a body", "GET（本文があれば POST）"},
    {"Incoming webhook URL", "Incoming Webhook の URL"},
    {"Channel webhook URL", "チャンネルの Webhook URL"},
    {"Workflows webhook URL", "Workflows の Webhook URL"},
    {"Topic", "トピック"},
    {"Server (default https://ntfy.sh)", "サーバー（既定は https://ntfy.sh）"},
    {"Access token (optional)", "アクセストークン（任意）"},
    {"Bot token", "ボットのトークン"},
    {"Chat id (a number or @channel)", "チャット ID（数値か @channel）"},
    {"when a check goes down", "チェックがダウンしたとき"},
    {"when it comes back up", "正常に戻ったとき"},
    {"Choose a kind of integration.", "連携の種類を選んでください。"},
    {"No such integration.", "その連携はありません。"},
    {"No such page.", "そのページはありません。"},
    {"Test notification queued: it goes out within seconds, and its outcome shows below.",
     "テスト通知を登録しました。数秒以内に送信され、結果が下に表示されます。"},
    {"Send a test notification", "テスト通知を送る"},
    {"Settings as JSON (the fields given are replaced; docs/api.md lists them)",
     "JSON での設定（指定した項目だけが置き換わります。項目は docs/api.md を参照）"},
    {"Save settings", "設定を保存"},
    {"Delete this integration", "この連携を削除"},
    {"Deliveries", "配信"},
    {"Nothing sent yet.", "まだ何も送信していません。"},
    {"(deleted)", "（削除済み）"},
    {"$0 via <a href=\"$1\">$2</a>", "<a href=\"$1\">$2</a> で $0"},
    {"<p>The project has no integrations: <a href=\"$0\">add one</a>.</p>",
     "<p>このプロジェクトには連携がありません。<a href=\"$0\">追加する</a></p>"},
    {"Alerts for this check go to", "このチェックの通知先"},
    {"Save integrations", "連携を保存"},
    {"name: an integration needs a name", "名前: 連携には名前が必要です"},
    {"settings: not a JSON object", "設定: JSON オブジェクトではありません"},
    {"settings: nested too deeply", "設定: 入れ子が深すぎます"},

    // Members.
    {"Members", "メンバー"},
    {"$0: members", "$0: メンバー"},
    {"Role", "役割"},
    {"Remove", "外す"},
    {"Remove $0", "$0 を外す"},
    {"Leave", "抜ける"},
    {"Leave the project", "プロジェクトから抜ける"},
    {"Invitations", "招待"},
    {"No open invitations.", "有効な招待はありません。"},
    {"until $0", "$0 まで"},
    {"Withdraw", "取り消す"},
    {"Withdraw the invitation of $0", "$0 への招待を取り消す"},
    {"Invite someone", "メンバーを招待"},
    {"Create invitation link", "招待リンクを作成"},
    {"Invitation created", "招待を作成しました"},
    {"<p>Send this link to <strong>$0</strong>. It works once, for 7 days, for a user logged "
     "in with that address (who can sign up first).</p>",
     "<p>このリンクを <strong>$0</strong> に送ってください。そのアドレスでログインした"
     "ユーザーが 7 日以内に一度だけ使えます（先にアカウントを作成することもできます）。</p>"},
    {"invitation link", "招待リンク"},
    {"Back to the members", "メンバーに戻る"},
    {"Invitation", "招待"},
    {"Log in (or create an account) with the address this invitation was sent to, then open "
     "this link again.",
     "招待が送られたアドレスでログイン（またはアカウントを作成）してから、もう一度このリンクを"
     "開いてください。"},
    {"<p>Join the project you were invited to, as <strong>$0</strong>?</p>",
     "<p>招待されたプロジェクトに <strong>$0</strong> として参加しますか？</p>"},
    {"Join the project", "プロジェクトに参加"},
    {"No such invitation, or it has expired.", "その招待はないか、期限が切れています。"},
    {"This invitation is for another email address: log in with that one.",
     "この招待は別のメールアドレス宛てです。そのアドレスでログインしてください。"},

    // Badges.
    {"$0: badges", "$0: バッジ"},
    {"Badges show the state of the project's checks, by tag or all together, as an image "
     "anyone with the URL can load (the URL holds a key of its own, not an API key).",
     "バッジは、プロジェクトのチェックの状態をタグごと、またはまとめて画像で示します。URL "
     "を知っていれば誰でも読み込めます（URL には API キーではなく専用のキーが入っています）。"},
    {"All checks", "すべてのチェック"},
    {"Tag $0", "タグ $0"},
    {"Format", "形式"},
    {"Preview", "プレビュー"},
    {"badge URL", "バッジの URL"},
};

const std::unordered_map<std::string_view, const char*>& JapaneseIndex() {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, const char*>();
    for (const auto& [en, ja] : kJapanese) m->emplace(en, ja);
    return m;
  }();
  return *index;
}

bool Ours(std::string_view lang) { return lang == "en" || lang == "ja"; }

}  // namespace

std::string PickLanguage(std::string_view cookie, std::string_view accept_language) {
  if (Ours(cookie)) return std::string(cookie);
  // "ja-JP,ja;q=0.9,en;q=0.8": the highest q among ours; ties go to the first.
  std::string best = "en";
  double best_q = -1;
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(accept_language.data(), accept_language.size()), ',')) {
    std::vector<absl::string_view> fields = absl::StrSplit(part, ';');
    std::string tag = absl::AsciiStrToLower(absl::StripAsciiWhitespace(fields[0]));
    std::string primary = tag.substr(0, tag.find('-'));
    double q = 1;
    for (size_t i = 1; i < fields.size(); ++i) {
      absl::string_view f = absl::StripAsciiWhitespace(fields[i]);
      if (absl::ConsumePrefix(&f, "q=") && !absl::SimpleAtod(f, &q)) q = 0;
    }
    if (Ours(primary) && q > 0 && q > best_q) {
      best = primary;
      best_q = q;
    }
  }
  return best;
}

const char* Tr(std::string_view lang, const char* english) {
  if (lang != "ja" || english == nullptr) return english;
  const auto& index = JapaneseIndex();
  auto it = index.find(english);
  return it == index.end() ? english : it->second;
}

const std::vector<std::pair<const char*, const char*>>& Catalogue() { return kJapanese; }

}  // namespace tocsin::gateway
