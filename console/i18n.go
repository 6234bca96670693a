package console

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Languages the console speaks, as the portal does, in the switch's order.
var languages = []lang{
	{Code: "en", HTML: "en", Name: "English"},
	{Code: "zh-Hant", HTML: "zh-Hant-HK", Name: "繁體中文"},
	{Code: "zh-Hans", HTML: "zh-Hans", Name: "简体中文"},
}

type lang struct{ Code, HTML, Name string }

// langCookie remembers the choice made with the switch; the portal uses the
// same cookie name, so a choice made in one holds in the other.
const langCookie = "wifihk_lang"

// pickLang chooses the page language: ?lang=, then the cookie, then
// Accept-Language, then English. (The same rules as the portal's; both
// could share one small package.)
func pickLang(r *http.Request) string {
	if l := knownLang(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l := knownLang(c.Value); l != "" {
			return l
		}
	}
	return fromAcceptLanguage(r.Header.Get("Accept-Language"))
}

func knownLang(s string) string {
	for _, l := range languages {
		if strings.EqualFold(s, l.Code) {
			return l.Code
		}
	}
	return ""
}

func htmlLang(code string) string {
	for _, l := range languages {
		if l.Code == code {
			return l.HTML
		}
	}
	return "en"
}

// fromAcceptLanguage maps language ranges to our three: Chinese of Hong
// Kong, Taiwan, Macau or the Hant script (and bare "zh") is Traditional,
// other Chinese is Simplified.
func fromAcceptLanguage(h string) string {
	type cand struct {
		lang string
		q    float64
	}
	var cs []cand
	for i, part := range strings.Split(h, ",") {
		if i >= 20 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		tag = strings.ToLower(strings.TrimSpace(tag))
		l := ""
		switch {
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			l = "en"
		case tag == "zh" || strings.HasPrefix(tag, "zh-hant") || tag == "zh-hk" || tag == "zh-tw" || tag == "zh-mo" || tag == "yue" || strings.HasPrefix(tag, "yue-"):
			l = "zh-Hant"
		case strings.HasPrefix(tag, "zh-"):
			l = "zh-Hans"
		}
		if l != "" && q > 0 {
			cs = append(cs, cand{l, q})
		}
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].q > cs[b].q })
	if len(cs) == 0 {
		return "en"
	}
	return cs[0].lang
}

// langLink is one entry of the language switch: the same page in lang.
type langLink struct {
	lang
	Href    string
	Current bool
}

func langLinks(r *http.Request, current string) []langLink {
	out := make([]langLink, len(languages))
	for i, l := range languages {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			q[k] = v
		}
		q.Set("lang", l.Code)
		out[i] = langLink{lang: l, Href: r.URL.Path + "?" + q.Encode(), Current: l.Code == current}
	}
	return out
}

// tr looks key up in lang, falling back to English, then to the key.
func tr(lang, key string, args ...any) string {
	m, ok := messages[lang][key]
	if !ok {
		m, ok = messages["en"][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// districtName is a district's name in lang; names come in English from
// the registry.
func districtName(lang, en string) string {
	if n, ok := districtNames[en]; ok {
		switch lang {
		case "zh-Hant":
			return n[0]
		case "zh-Hans":
			return n[1]
		}
	}
	return en
}

var districtNames = map[string][2]string{
	"Central & Western": {"中西區", "中西区"},
	"Wan Chai":          {"灣仔區", "湾仔区"},
	"Eastern":           {"東區", "东区"},
	"Southern":          {"南區", "南区"},
	"Sham Shui Po":      {"深水埗區", "深水埗区"},
	"Kowloon City":      {"九龍城區", "九龙城区"},
	"Wong Tai Sin":      {"黃大仙區", "黄大仙区"},
	"Kwun Tong":         {"觀塘區", "观塘区"},
	"Yau Tsim Mong":     {"油尖旺區", "油尖旺区"},
	"Kwai Tsing":        {"葵青區", "葵青区"},
	"Tsuen Wan":         {"荃灣區", "荃湾区"},
	"Tuen Mun":          {"屯門區", "屯门区"},
	"Yuen Long":         {"元朗區", "元朗区"},
	"North":             {"北區", "北区"},
	"Tai Po":            {"大埔區", "大埔区"},
	"Sha Tin":           {"沙田區", "沙田区"},
	"Sai Kung":          {"西貢區", "西贡区"},
	"Islands":           {"離島區", "离岛区"},
}

var messages = map[string]map[string]string{
	"en": {
		"console":          "Operations console",
		"skip":             "Skip to content",
		"lang_switch":      "Language",
		"nav":              "Sections",
		"nav_coverage":     "Coverage",
		"nav_venues":       "Venues",
		"nav_sessions":     "Sessions",
		"nav_alerts":       "Alerts",
		"nav_vouchers":     "Vouchers",
		"signed_in_as":     "Signed in as %s (%s)",
		"role_admin":       "administrator",
		"role_operator":    "operator of %s",
		"role_viewer":      "viewer",
		"role_viewer_org":  "viewer of %s",
		"sign_in":          "Sign in",
		"sign_out":         "Sign out",
		"username":         "Username",
		"password":         "Password",
		"err_login":        "Wrong username or password.",
		"err_throttled":    "Too many failed sign-ins. Wait a few minutes and try again.",
		"err_csrf":         "This form has expired. Reload the page and try again.",
		"err_notfound":     "Not found, or not yours to see.",
		"err_forbidden":    "Your role may not do that.",
		"err_internal":     "Something went wrong on our side. Try again; if it persists, tell the network team.",
		"not_found_title":  "Not found",
		"unknown":          "unknown",
		"none":             "none",
		"yes":              "yes",
		"no":               "no",
		"save":             "Save",
		"search":           "Search",
		"filter":           "Filter",
		"all":              "All",
		"total":            "Total",
		"cov_title":        "Coverage",
		"cov_title_in":     "Coverage: %s",
		"cov_map":          "Map of WiFi@HK venues",
		"cov_map_desc":     "%d venues drawn at their coordinates, coloured by the status of their access points. District names link to a close-up.",
		"cov_zoomed":       "Showing %s.",
		"cov_whole":        "Whole territory",
		"cov_zoom":         "Zoom to district",
		"cov_go":           "Show",
		"cov_legend":       "Legend",
		"st_online":        "APs online",
		"st_offline":       "AP offline",
		"st_none":          "no agent",
		"ap_online":        "online",
		"ap_offline":       "offline",
		"cov_table":        "Districts",
		"cov_caption":      "Venues, hotspots and use per district. Target: %d venues per district.",
		"col_district":     "District",
		"col_venues":       "Venues",
		"col_hotspots":     "Hotspots",
		"col_aps":          "APs online / total",
		"col_sessions":     "Sessions now",
		"col_devices":      "Devices today",
		"col_gb":           "GB today",
		"col_target":       "Below target",
		"below_target":     "Districts below target density (%d venues): %s",
		"below_none":       "Every district meets the target density (%d venues).",
		"venues_title":     "Venues",
		"venues_found":     "%d venues match.",
		"venues_q":         "Name, address or ID",
		"venues_district":  "District",
		"venues_type":      "Venue type",
		"venues_org":       "Organisation",
		"venue_new":        "Register a venue",
		"col_venue":        "Venue",
		"col_type":         "Type",
		"col_aps_n":        "APs",
		"col_status":       "Status",
		"prev":             "Previous page",
		"next":             "Next page",
		"page_of":          "Page %d of %d",
		"venue_details":    "Details",
		"venue_edit":       "Edit venue",
		"venue_key":        "Venue ID",
		"f_org":            "Organisation code",
		"f_location":       "Location ID",
		"f_name_en":        "Name (English)",
		"f_name_tc":        "Name (Traditional Chinese)",
		"f_name_sc":        "Name (Simplified Chinese)",
		"f_type_en":        "Venue type (English)",
		"f_address_en":     "Address (English)",
		"f_lat":            "Latitude",
		"f_lon":            "Longitude",
		"f_hotspots":       "Number of hotspots",
		"f_ssid":           "SSID",
		"f_plan":           "Plan",
		"f_plan_default":   "Default plan (%s)",
		"f_district_auto":  "District (empty: from the coordinates)",
		"venue_saved":      "Venue %s saved.",
		"aps_title":        "Access points",
		"aps_none":         "No access points registered here yet.",
		"col_ap":           "AP",
		"col_mac":          "MAC",
		"col_last":         "Last report",
		"col_clients":      "Clients, 24 h",
		"ap_new":           "Register an access point",
		"f_ap_name":        "AP name",
		"f_ap_mac":         "MAC address",
		"ap_token":         "AP %s registered. Its agent token is shown only now; copy it into the agent's configuration:",
		"nas_title":        "RADIUS gateways (NAS)",
		"nas_none":         "No NAS serves this venue.",
		"col_nas":          "NAS",
		"col_prefix":       "Address",
		"col_coa":          "CoA port",
		"plan_title":       "Plan",
		"plan_kind":        "Kind",
		"kind_free_timed":  "free, time-limited",
		"kind_free":        "free, no limit",
		"kind_accounts":    "visitor accounts",
		"kind_members":     "members of the organisation",
		"kind_voucher":     "vouchers",
		"plan_is_default":  "the default plan",
		"plan_timeout":     "Session length",
		"plan_per_day":     "Sessions a day per device",
		"plan_bw":          "Bandwidth up / down",
		"plan_cap":         "Data cap",
		"usage_title":      "Usage, last 24 hours",
		"chart_clients":    "Clients of %s over 24 hours: peak %d",
		"chart_usage":      "Data through this venue's APs per 5 minutes over 24 hours: %s in all",
		"no_telemetry":     "No agent reports yet.",
		"minutes":          "%d min",
		"unlimited":        "no limit",
		"sessions_title":   "Open sessions",
		"sessions_q":       "User, MAC or venue",
		"sessions_found":   "%d open sessions match.",
		"sessions_off":     "Session data is not available on this server.",
		"sessions_more":    "The newest %d are shown; search to narrow the list.",
		"col_user":         "User",
		"col_started":      "Started",
		"col_duration":     "Time",
		"col_bytes":        "Data in / out",
		"col_plan":         "Plan",
		"col_action":       "Action",
		"disconnect":       "Disconnect",
		"disconnect_label": "Disconnect %s",
		"disc_ack":         "The NAS answered %s: session %s is disconnected (%d ms).",
		"disc_nak":         "The NAS answered %s (%s): session %s was not disconnected.",
		"disc_err":         "No answer from the NAS: %s",
		"alerts_title":     "Alerts",
		"alerts_offline":   "APs offline now",
		"alerts_offline0":  "No AP is offline.",
		"alerts_recovered": "Recently recovered (24 h)",
		"alerts_rec0":      "No AP recovered in the last 24 hours.",
		"alerts_nas":       "NAS that stopped sending accounting",
		"alerts_nas0":      "Every NAS with open sessions sent accounting in the last %d minutes.",
		"alerts_nas_note":  "A NAS is listed when it has open sessions but sent no accounting for %d minutes.",
		"col_since":        "Since",
		"col_open":         "Open sessions",
		"telemetry_off":    "AP telemetry is not wired in yet: every AP counts as having no agent.",
		"vouchers_title":   "Vouchers",
		"v_count":          "How many codes",
		"v_minutes":        "Minutes per session",
		"v_uses":           "Uses per code",
		"v_days":           "Valid for (days)",
		"v_cap":            "Data cap per session (MB, 0 = none)",
		"v_note":           "Note (printed on the batch record)",
		"v_generate":       "Generate",
		"v_made":           "Batch %s: %d codes made.",
		"v_print":          "Print batch %s",
		"v_off":            "Vouchers are not available on this server.",
		"v_card":           "Wi-Fi voucher",
		"v_valid":          "Valid until %s · %d min a session · %d uses",
		"print_hint":       "Use your browser's print command to print the codes.",
	},
	"zh-Hant": {
		"console":          "營運控制台",
		"skip":             "跳至內容",
		"lang_switch":      "語言",
		"nav":              "版面",
		"nav_coverage":     "覆蓋",
		"nav_venues":       "場地",
		"nav_sessions":     "連線",
		"nav_alerts":       "警示",
		"nav_vouchers":     "上網券",
		"signed_in_as":     "已登入：%s（%s）",
		"role_admin":       "管理員",
		"role_operator":    "%s 的營運者",
		"role_viewer":      "檢視者",
		"role_viewer_org":  "%s 的檢視者",
		"sign_in":          "登入",
		"sign_out":         "登出",
		"username":         "用戶名稱",
		"password":         "密碼",
		"err_login":        "用戶名稱或密碼錯誤。",
		"err_throttled":    "登入失敗次數過多，請等候數分鐘再試。",
		"err_csrf":         "表格已過期，請重新載入頁面再試。",
		"err_notfound":     "找不到，或你無權查看。",
		"err_forbidden":    "你的角色不可進行此操作。",
		"err_internal":     "系統出錯，請再試；如持續出現，請通知網絡團隊。",
		"not_found_title":  "找不到",
		"unknown":          "未知",
		"none":             "無",
		"yes":              "是",
		"no":               "否",
		"save":             "儲存",
		"search":           "搜尋",
		"filter":           "篩選",
		"all":              "全部",
		"total":            "總計",
		"cov_title":        "覆蓋",
		"cov_title_in":     "覆蓋：%s",
		"cov_map":          "WiFi@HK 場地地圖",
		"cov_map_desc":     "%d 個場地按座標繪出，顏色表示其接入點狀態。按地區名稱可放大該區。",
		"cov_zoomed":       "正在顯示%s。",
		"cov_whole":        "全港",
		"cov_zoom":         "放大地區",
		"cov_go":           "顯示",
		"cov_legend":       "圖例",
		"st_online":        "接入點在線",
		"st_offline":       "接入點離線",
		"st_none":          "未有代理程式",
		"ap_online":        "在線",
		"ap_offline":       "離線",
		"cov_table":        "地區",
		"cov_caption":      "各區場地、熱點及使用量。目標：每區 %d 個場地。",
		"col_district":     "地區",
		"col_venues":       "場地",
		"col_hotspots":     "熱點",
		"col_aps":          "在線／總接入點",
		"col_sessions":     "現時連線",
		"col_devices":      "今日裝置",
		"col_gb":           "今日 GB",
		"col_target":       "低於目標",
		"below_target":     "低於目標密度（%d 個場地）的地區：%s",
		"below_none":       "所有地區均達目標密度（%d 個場地）。",
		"venues_title":     "場地",
		"venues_found":     "符合的場地：%d 個。",
		"venues_q":         "名稱、地址或編號",
		"venues_district":  "地區",
		"venues_type":      "場地類型",
		"venues_org":       "機構",
		"venue_new":        "登記場地",
		"col_venue":        "場地",
		"col_type":         "類型",
		"col_aps_n":        "接入點",
		"col_status":       "狀態",
		"prev":             "上一頁",
		"next":             "下一頁",
		"page_of":          "第 %d 頁，共 %d 頁",
		"venue_details":    "詳情",
		"venue_edit":       "編輯場地",
		"venue_key":        "場地編號",
		"f_org":            "機構代碼",
		"f_location":       "地點編號",
		"f_name_en":        "名稱（英文）",
		"f_name_tc":        "名稱（繁體中文）",
		"f_name_sc":        "名稱（簡體中文）",
		"f_type_en":        "場地類型（英文）",
		"f_address_en":     "地址（英文）",
		"f_lat":            "緯度",
		"f_lon":            "經度",
		"f_hotspots":       "熱點數目",
		"f_ssid":           "SSID",
		"f_plan":           "方案",
		"f_plan_default":   "預設方案（%s）",
		"f_district_auto":  "地區（留空：按座標判斷）",
		"venue_saved":      "場地 %s 已儲存。",
		"aps_title":        "接入點",
		"aps_none":         "此場地尚未登記接入點。",
		"col_ap":           "接入點",
		"col_mac":          "MAC",
		"col_last":         "最後報告",
		"col_clients":      "24 小時用戶數",
		"ap_new":           "登記接入點",
		"f_ap_name":        "接入點名稱",
		"f_ap_mac":         "MAC 地址",
		"ap_token":         "接入點 %s 已登記。代理程式權杖只顯示這一次，請複製到代理程式設定：",
		"nas_title":        "RADIUS 閘道（NAS）",
		"nas_none":         "此場地沒有 NAS。",
		"col_nas":          "NAS",
		"col_prefix":       "地址",
		"col_coa":          "CoA 埠",
		"plan_title":       "方案",
		"plan_kind":        "類別",
		"kind_free_timed":  "免費（限時）",
		"kind_free":        "免費（不限）",
		"kind_accounts":    "訪客帳戶",
		"kind_members":     "機構成員",
		"kind_voucher":     "上網券",
		"plan_is_default":  "預設方案",
		"plan_timeout":     "每節時間",
		"plan_per_day":     "每部裝置每日節數",
		"plan_bw":          "上載／下載頻寬",
		"plan_cap":         "數據上限",
		"usage_title":      "過去 24 小時使用量",
		"chart_clients":    "%s 24 小時用戶數：最高 %d",
		"chart_usage":      "此場地接入點每 5 分鐘數據量（24 小時）：共 %s",
		"no_telemetry":     "尚未收到代理程式報告。",
		"minutes":          "%d 分鐘",
		"unlimited":        "不限",
		"sessions_title":   "現時連線",
		"sessions_q":       "用戶、MAC 或場地",
		"sessions_found":   "符合的連線：%d 個。",
		"sessions_off":     "此伺服器未提供連線資料。",
		"sessions_more":    "只顯示最新 %d 個；請搜尋以收窄範圍。",
		"col_user":         "用戶",
		"col_started":      "開始",
		"col_duration":     "時間",
		"col_bytes":        "數據 入／出",
		"col_plan":         "方案",
		"col_action":       "操作",
		"disconnect":       "中斷",
		"disconnect_label": "中斷 %s",
		"disc_ack":         "NAS 回覆 %s：連線 %s 已中斷（%d 毫秒）。",
		"disc_nak":         "NAS 回覆 %s（%s）：連線 %s 未有中斷。",
		"disc_err":         "NAS 沒有回應：%s",
		"alerts_title":     "警示",
		"alerts_offline":   "現時離線的接入點",
		"alerts_offline0":  "沒有離線的接入點。",
		"alerts_recovered": "最近恢復（24 小時）",
		"alerts_rec0":      "過去 24 小時沒有接入點恢復。",
		"alerts_nas":       "停止傳送計帳的 NAS",
		"alerts_nas0":      "所有有連線的 NAS 在過去 %d 分鐘內均有傳送計帳。",
		"alerts_nas_note":  "有連線但 %d 分鐘沒有計帳的 NAS 會列出。",
		"col_since":        "自",
		"col_open":         "現時連線",
		"telemetry_off":    "接入點遙測尚未接上：所有接入點視為未有代理程式。",
		"vouchers_title":   "上網券",
		"v_count":          "數量",
		"v_minutes":        "每節分鐘",
		"v_uses":           "每張使用次數",
		"v_days":           "有效日數",
		"v_cap":            "每節數據上限（MB，0 = 不限）",
		"v_note":           "備註（記於批次紀錄）",
		"v_generate":       "產生",
		"v_made":           "批次 %s：已產生 %d 個代碼。",
		"v_print":          "列印批次 %s",
		"v_off":            "此伺服器未提供上網券。",
		"v_card":           "Wi-Fi 上網券",
		"v_valid":          "有效至 %s · 每節 %d 分鐘 · 可用 %d 次",
		"print_hint":       "請用瀏覽器的列印功能列印代碼。",
	},
	"zh-Hans": {
		"console":          "运营控制台",
		"skip":             "跳至内容",
		"lang_switch":      "语言",
		"nav":              "版面",
		"nav_coverage":     "覆盖",
		"nav_venues":       "场地",
		"nav_sessions":     "连接",
		"nav_alerts":       "警示",
		"nav_vouchers":     "上网券",
		"signed_in_as":     "已登录：%s（%s）",
		"role_admin":       "管理员",
		"role_operator":    "%s 的运营者",
		"role_viewer":      "查看者",
		"role_viewer_org":  "%s 的查看者",
		"sign_in":          "登录",
		"sign_out":         "退出",
		"username":         "用户名",
		"password":         "密码",
		"err_login":        "用户名或密码错误。",
		"err_throttled":    "登录失败次数过多，请等几分钟再试。",
		"err_csrf":         "表单已过期，请重新加载页面再试。",
		"err_notfound":     "找不到，或你无权查看。",
		"err_forbidden":    "你的角色不能进行此操作。",
		"err_internal":     "系统出错，请再试；如持续出现，请通知网络团队。",
		"not_found_title":  "找不到",
		"unknown":          "未知",
		"none":             "无",
		"yes":              "是",
		"no":               "否",
		"save":             "保存",
		"search":           "搜索",
		"filter":           "筛选",
		"all":              "全部",
		"total":            "总计",
		"cov_title":        "覆盖",
		"cov_title_in":     "覆盖：%s",
		"cov_map":          "WiFi@HK 场地地图",
		"cov_map_desc":     "%d 个场地按坐标绘出，颜色表示其接入点状态。点击地区名称可放大该区。",
		"cov_zoomed":       "正在显示%s。",
		"cov_whole":        "全港",
		"cov_zoom":         "放大地区",
		"cov_go":           "显示",
		"cov_legend":       "图例",
		"st_online":        "接入点在线",
		"st_offline":       "接入点离线",
		"st_none":          "没有代理程序",
		"ap_online":        "在线",
		"ap_offline":       "离线",
		"cov_table":        "地区",
		"cov_caption":      "各区场地、热点及使用量。目标：每区 %d 个场地。",
		"col_district":     "地区",
		"col_venues":       "场地",
		"col_hotspots":     "热点",
		"col_aps":          "在线／总接入点",
		"col_sessions":     "当前连接",
		"col_devices":      "今日设备",
		"col_gb":           "今日 GB",
		"col_target":       "低于目标",
		"below_target":     "低于目标密度（%d 个场地）的地区：%s",
		"below_none":       "所有地区均达到目标密度（%d 个场地）。",
		"venues_title":     "场地",
		"venues_found":     "符合的场地：%d 个。",
		"venues_q":         "名称、地址或编号",
		"venues_district":  "地区",
		"venues_type":      "场地类型",
		"venues_org":       "机构",
		"venue_new":        "登记场地",
		"col_venue":        "场地",
		"col_type":         "类型",
		"col_aps_n":        "接入点",
		"col_status":       "状态",
		"prev":             "上一页",
		"next":             "下一页",
		"page_of":          "第 %d 页，共 %d 页",
		"venue_details":    "详情",
		"venue_edit":       "编辑场地",
		"venue_key":        "场地编号",
		"f_org":            "机构代码",
		"f_location":       "地点编号",
		"f_name_en":        "名称（英文）",
		"f_name_tc":        "名称（繁体中文）",
		"f_name_sc":        "名称（简体中文）",
		"f_type_en":        "场地类型（英文）",
		"f_address_en":     "地址（英文）",
		"f_lat":            "纬度",
		"f_lon":            "经度",
		"f_hotspots":       "热点数目",
		"f_ssid":           "SSID",
		"f_plan":           "方案",
		"f_plan_default":   "默认方案（%s）",
		"f_district_auto":  "地区（留空：按坐标判断）",
		"venue_saved":      "场地 %s 已保存。",
		"aps_title":        "接入点",
		"aps_none":         "此场地尚未登记接入点。",
		"col_ap":           "接入点",
		"col_mac":          "MAC",
		"col_last":         "最后报告",
		"col_clients":      "24 小时用户数",
		"ap_new":           "登记接入点",
		"f_ap_name":        "接入点名称",
		"f_ap_mac":         "MAC 地址",
		"ap_token":         "接入点 %s 已登记。代理程序令牌只显示这一次，请复制到代理程序配置：",
		"nas_title":        "RADIUS 网关（NAS）",
		"nas_none":         "此场地没有 NAS。",
		"col_nas":          "NAS",
		"col_prefix":       "地址",
		"col_coa":          "CoA 端口",
		"plan_title":       "方案",
		"plan_kind":        "类别",
		"kind_free_timed":  "免费（限时）",
		"kind_free":        "免费（不限）",
		"kind_accounts":    "访客账户",
		"kind_members":     "机构成员",
		"kind_voucher":     "上网券",
		"plan_is_default":  "默认方案",
		"plan_timeout":     "每次时长",
		"plan_per_day":     "每台设备每日次数",
		"plan_bw":          "上传／下载带宽",
		"plan_cap":         "流量上限",
		"usage_title":      "过去 24 小时使用量",
		"chart_clients":    "%s 24 小时用户数：最高 %d",
		"chart_usage":      "此场地接入点每 5 分钟流量（24 小时）：共 %s",
		"no_telemetry":     "尚未收到代理程序报告。",
		"minutes":          "%d 分钟",
		"unlimited":        "不限",
		"sessions_title":   "当前连接",
		"sessions_q":       "用户、MAC 或场地",
		"sessions_found":   "符合的连接：%d 个。",
		"sessions_off":     "此服务器未提供连接数据。",
		"sessions_more":    "只显示最新 %d 个；请搜索以缩小范围。",
		"col_user":         "用户",
		"col_started":      "开始",
		"col_duration":     "时长",
		"col_bytes":        "流量 入／出",
		"col_plan":         "方案",
		"col_action":       "操作",
		"disconnect":       "断开",
		"disconnect_label": "断开 %s",
		"disc_ack":         "NAS 回复 %s：连接 %s 已断开（%d 毫秒）。",
		"disc_nak":         "NAS 回复 %s（%s）：连接 %s 未断开。",
		"disc_err":         "NAS 没有回应：%s",
		"alerts_title":     "警示",
		"alerts_offline":   "当前离线的接入点",
		"alerts_offline0":  "没有离线的接入点。",
		"alerts_recovered": "最近恢复（24 小时）",
		"alerts_rec0":      "过去 24 小时没有接入点恢复。",
		"alerts_nas":       "停止发送计费的 NAS",
		"alerts_nas0":      "所有有连接的 NAS 在过去 %d 分钟内均有发送计费。",
		"alerts_nas_note":  "有连接但 %d 分钟没有计费的 NAS 会列出。",
		"col_since":        "自",
		"col_open":         "当前连接",
		"telemetry_off":    "接入点遥测尚未接上：所有接入点视为没有代理程序。",
		"vouchers_title":   "上网券",
		"v_count":          "数量",
		"v_minutes":        "每次分钟",
		"v_uses":           "每张使用次数",
		"v_days":           "有效天数",
		"v_cap":            "每次流量上限（MB，0 = 不限）",
		"v_note":           "备注（记于批次记录）",
		"v_generate":       "生成",
		"v_made":           "批次 %s：已生成 %d 个代码。",
		"v_print":          "打印批次 %s",
		"v_off":            "此服务器未提供上网券。",
		"v_card":           "Wi-Fi 上网券",
		"v_valid":          "有效至 %s · 每次 %d 分钟 · 可用 %d 次",
		"print_hint":       "请用浏览器的打印功能打印代码。",
	},
}
