package portal

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Languages the portal speaks, in the order the switch shows them.
var languages = []lang{
	{Code: "en", HTML: "en", Name: "English"},
	{Code: "zh-Hant", HTML: "zh-Hant-HK", Name: "繁體中文"},
	{Code: "zh-Hans", HTML: "zh-Hans", Name: "简体中文"},
}

type lang struct{ Code, HTML, Name string }

// langCookie remembers a visitor's choice from the switch.
const langCookie = "wifihk_lang"

// pickLang chooses the page language: ?lang=, then the cookie, then
// Accept-Language, then English.
func pickLang(r *http.Request) string { return langFor(r, r.URL.Query().Get("lang")) }

// langFor is pickLang with ?lang= already read.
func langFor(r *http.Request, query string) string {
	if l := knownLang(query); l != "" {
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

// fromAcceptLanguage maps RFC 9110 language ranges to our three: Chinese
// for Taiwan, Hong Kong, Macau or with the Hant script is Traditional,
// other Chinese with a region or script is Simplified, and bare "zh" is
// Traditional, as Hong Kong writes it.
func fromAcceptLanguage(h string) string {
	type cand struct {
		lang string
		q    float64
		i    int
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
		if l := mapTag(strings.ToLower(strings.TrimSpace(tag))); l != "" && q > 0 {
			cs = append(cs, cand{l, q, i})
		}
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].q > cs[b].q })
	if len(cs) == 0 {
		return "en"
	}
	return cs[0].lang
}

func mapTag(tag string) string {
	switch {
	case tag == "en" || strings.HasPrefix(tag, "en-"):
		return "en"
	case tag == "zh" || strings.HasPrefix(tag, "zh-hant") || tag == "zh-hk" || tag == "zh-tw" || tag == "zh-mo" || tag == "yue" || strings.HasPrefix(tag, "yue-"):
		return "zh-Hant"
	case strings.HasPrefix(tag, "zh-"):
		return "zh-Hans"
	}
	return ""
}

// tr looks a message up in lang, falling back to English.
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

var messages = map[string]map[string]string{
	"en": {
		"brand":            "WiFi@HK",
		"title":            "Free Wi-Fi",
		"tagline":          "Free public Wi-Fi in Hong Kong",
		"lang_switch":      "Language",
		"venue":            "You are at %s",
		"free_heading":     "Connect for free",
		"free_left":        "%d of %d free sessions left today on this device, %d minutes each.",
		"free_unlimited":   "Free access, %d minutes a session.",
		"free_none":        "You have used all %d free sessions for today on this device. Sign in, use a voucher, or come back tomorrow.",
		"terms_accept":     "I accept the terms of use",
		"terms_link":       "Read the terms of use",
		"remember":         "Remember this device for %d days",
		"remember_note":    "Next time you connect automatically. Phones that use a private (random) Wi-Fi address are remembered for this network only.",
		"connect":          "Connect",
		"account_heading":  "Sign in with an account",
		"contact":          "E-mail or Hong Kong mobile number",
		"contact_hint":     "For example 9123 4567 or name@example.com",
		"password":         "Password",
		"password_hint":    "At least 8 characters",
		"new_password":     "New password",
		"sign_in":          "Sign in",
		"sign_up":          "Create an account",
		"forgot":           "Forgot your password?",
		"voucher_heading":  "Use a voucher",
		"voucher_code":     "Voucher code",
		"voucher_hint":     "10 letters and digits, as printed",
		"use_voucher":      "Use voucher",
		"signup_heading":   "Create an account",
		"signup_intro":     "We send a 6-digit code to your e-mail or mobile to check it is yours.",
		"send_code":        "Send code",
		"verify_heading":   "Enter your code",
		"verify_intro":     "We sent a 6-digit code to %s. It works for 10 minutes.",
		"code":             "6-digit code",
		"verify":           "Confirm",
		"reset_heading":    "Reset your password",
		"reset_intro":      "We send a code to the e-mail or mobile number of your account.",
		"reset_sent":       "If %s has an account, we sent it a code.",
		"set_password":     "Set password",
		"back":             "Back to the start",
		"status_heading":   "You are online",
		"time_left":        "Time left",
		"data_left":        "Data left",
		"unlimited":        "no limit",
		"minutes":          "%d min",
		"continue":         "Continue to %s",
		"logout":           "Log out",
		"logged_off":       "You have logged out. Thank you for using WiFi@HK.",
		"already":          "This device is already online.",
		"failed":           "The network did not accept the login. Please try again.",
		"err_terms":        "Please accept the terms of use to connect.",
		"err_signin":       "That e-mail or number and password do not match.",
		"err_contact":      "Enter an e-mail address or an 8-digit Hong Kong mobile number.",
		"err_password":     "Choose a password of 8 to 128 characters.",
		"err_exists":       "That e-mail or number already has an account. Sign in instead.",
		"err_code":         "That code is wrong or has expired.",
		"err_voucher":      "That voucher code is not valid or has been used up.",
		"err_slow_down":    "Too many tries. Please wait a minute and try again.",
		"err_gateway":      "This page was not opened by a WiFi@HK hotspot. Join the WiFi@HK network and open any web page.",
		"err_unknown_nas":  "This hotspot is not registered with WiFi@HK.",
		"err_expired_form": "This page has expired. Join the network again to get a fresh one.",
		"err_internal":     "Something went wrong on our side. Please try again.",
		"err_send":         "We could not send the code. Please try again later.",
		"err_plan":         "This venue does not offer this way of connecting.",
		"refused_heading":  "No free sessions left today",
		"terms_heading":    "Terms of use",
		"terms_body":       "WiFi@HK is a free public service. Use it lawfully and considerately: no attacks on other users or networks, no sending of spam, no infringement of copyright. The service is provided as is, without guarantee of availability or speed. Sessions are limited in time and may be ended at any time. We keep the time, duration and data volume of each session, your device's hardware address and, for accounts, your e-mail or mobile number, to run the service and as the law requires; we do not read the content of your traffic. Traffic on public Wi-Fi can be seen by others: use secure (https) sites.",
		"skip":             "Skip to the login form",
		"help":             "Help: the WiFi@HK hotline is shown at the venue.",
		"voucher_print":    "Wi-Fi voucher",
		"voucher_valid":    "Valid until %s · %d min a session · %d uses",
	},
	"zh-Hant": {
		"brand":            "WiFi@HK",
		"title":            "免費 Wi-Fi",
		"tagline":          "香港免費公共 Wi-Fi",
		"lang_switch":      "語言",
		"venue":            "你身處%s",
		"free_heading":     "免費連線",
		"free_left":        "此裝置今天尚餘 %d 次（共 %d 次）免費連線，每次 %d 分鐘。",
		"free_unlimited":   "免費連線，每次 %d 分鐘。",
		"free_none":        "此裝置今天已用完 %d 次免費連線。請登入帳戶、使用優惠券，或明天再來。",
		"terms_accept":     "我接受使用條款",
		"terms_link":       "閱讀使用條款",
		"remember":         "在此裝置記住我 %d 天",
		"remember_note":    "下次會自動連線。使用私人（隨機）Wi-Fi 位址的手機只會在此網絡被記住。",
		"connect":          "連線",
		"account_heading":  "以帳戶登入",
		"contact":          "電郵或香港手提電話號碼",
		"contact_hint":     "例如 9123 4567 或 name@example.com",
		"password":         "密碼",
		"password_hint":    "最少 8 個字元",
		"new_password":     "新密碼",
		"sign_in":          "登入",
		"sign_up":          "建立帳戶",
		"forgot":           "忘記密碼？",
		"voucher_heading":  "使用優惠券",
		"voucher_code":     "優惠券編號",
		"voucher_hint":     "10 個英文字母及數字，與印刷的相同",
		"use_voucher":      "使用優惠券",
		"signup_heading":   "建立帳戶",
		"signup_intro":     "我們會把 6 位數字驗證碼發送到你的電郵或手機，以確認屬於你。",
		"send_code":        "發送驗證碼",
		"verify_heading":   "輸入驗證碼",
		"verify_intro":     "我們已把 6 位數字驗證碼發送到 %s，10 分鐘內有效。",
		"code":             "6 位數字驗證碼",
		"verify":           "確認",
		"reset_heading":    "重設密碼",
		"reset_intro":      "我們會把驗證碼發送到你帳戶的電郵或手機號碼。",
		"reset_sent":       "如 %s 有帳戶，我們已向它發送驗證碼。",
		"set_password":     "設定密碼",
		"back":             "返回首頁",
		"status_heading":   "你已連線",
		"time_left":        "剩餘時間",
		"data_left":        "剩餘數據",
		"unlimited":        "不設上限",
		"minutes":          "%d 分鐘",
		"continue":         "前往 %s",
		"logout":           "登出",
		"logged_off":       "你已登出。多謝使用 WiFi@HK。",
		"already":          "此裝置已經連線。",
		"failed":           "網絡未能接受登入，請再試一次。",
		"err_terms":        "請接受使用條款以連線。",
		"err_signin":       "電郵或號碼與密碼不符。",
		"err_contact":      "請輸入電郵地址或 8 位數字香港手提電話號碼。",
		"err_password":     "請選擇 8 至 128 個字元的密碼。",
		"err_exists":       "此電郵或號碼已有帳戶，請直接登入。",
		"err_code":         "驗證碼錯誤或已過期。",
		"err_voucher":      "優惠券編號無效或已用完。",
		"err_slow_down":    "嘗試次數過多，請等一分鐘後再試。",
		"err_gateway":      "此頁並非由 WiFi@HK 熱點開啟。請連接 WiFi@HK 網絡，然後開啟任何網頁。",
		"err_unknown_nas":  "此熱點未有在 WiFi@HK 登記。",
		"err_expired_form": "此頁已過期。請重新連接網絡以取得新頁面。",
		"err_internal":     "我們的系統出現問題，請再試一次。",
		"err_send":         "未能發送驗證碼，請稍後再試。",
		"err_plan":         "此場地不提供這種連線方式。",
		"refused_heading":  "今天的免費連線已用完",
		"terms_heading":    "使用條款",
		"terms_body":       "WiFi@HK 是免費公共服務。請合法及顧及他人地使用：不得攻擊其他用戶或網絡、不得發送垃圾訊息、不得侵犯版權。本服務按現狀提供，不保證可用性或速度。每次連線設有時限，並可隨時終止。為營運服務及按法律要求，我們會保存每次連線的時間、時長及數據量、你裝置的硬件位址，以及帳戶的電郵或手機號碼；我們不會閱讀你的通訊內容。公共 Wi-Fi 上的通訊可能被他人看到：請使用安全（https）網站。",
		"skip":             "跳至登入表格",
		"help":             "協助：WiFi@HK 熱線列於場地內。",
		"voucher_print":    "Wi-Fi 優惠券",
		"voucher_valid":    "有效至 %s · 每次 %d 分鐘 · 可用 %d 次",
	},
	"zh-Hans": {
		"brand":            "WiFi@HK",
		"title":            "免费 Wi-Fi",
		"tagline":          "香港免费公共 Wi-Fi",
		"lang_switch":      "语言",
		"venue":            "你身处%s",
		"free_heading":     "免费连接",
		"free_left":        "此设备今天还剩 %d 次（共 %d 次）免费连接，每次 %d 分钟。",
		"free_unlimited":   "免费连接，每次 %d 分钟。",
		"free_none":        "此设备今天已用完 %d 次免费连接。请登录账户、使用优惠券，或明天再来。",
		"terms_accept":     "我接受使用条款",
		"terms_link":       "阅读使用条款",
		"remember":         "在此设备记住我 %d 天",
		"remember_note":    "下次会自动连接。使用私有（随机）Wi-Fi 地址的手机只会在此网络被记住。",
		"connect":          "连接",
		"account_heading":  "用账户登录",
		"contact":          "电邮或香港手机号码",
		"contact_hint":     "例如 9123 4567 或 name@example.com",
		"password":         "密码",
		"password_hint":    "至少 8 个字符",
		"new_password":     "新密码",
		"sign_in":          "登录",
		"sign_up":          "创建账户",
		"forgot":           "忘记密码？",
		"voucher_heading":  "使用优惠券",
		"voucher_code":     "优惠券编号",
		"voucher_hint":     "10 个英文字母和数字，与印刷的相同",
		"use_voucher":      "使用优惠券",
		"signup_heading":   "创建账户",
		"signup_intro":     "我们会把 6 位数字验证码发送到你的电邮或手机，以确认属于你。",
		"send_code":        "发送验证码",
		"verify_heading":   "输入验证码",
		"verify_intro":     "我们已把 6 位数字验证码发送到 %s，10 分钟内有效。",
		"code":             "6 位数字验证码",
		"verify":           "确认",
		"reset_heading":    "重设密码",
		"reset_intro":      "我们会把验证码发送到你账户的电邮或手机号码。",
		"reset_sent":       "如 %s 有账户，我们已向它发送验证码。",
		"set_password":     "设置密码",
		"back":             "返回首页",
		"status_heading":   "你已连接",
		"time_left":        "剩余时间",
		"data_left":        "剩余流量",
		"unlimited":        "不设上限",
		"minutes":          "%d 分钟",
		"continue":         "前往 %s",
		"logout":           "退出",
		"logged_off":       "你已退出。感谢使用 WiFi@HK。",
		"already":          "此设备已经连接。",
		"failed":           "网络未能接受登录，请再试一次。",
		"err_terms":        "请接受使用条款以连接。",
		"err_signin":       "电邮或号码与密码不符。",
		"err_contact":      "请输入电邮地址或 8 位数字香港手机号码。",
		"err_password":     "请选择 8 至 128 个字符的密码。",
		"err_exists":       "此电邮或号码已有账户，请直接登录。",
		"err_code":         "验证码错误或已过期。",
		"err_voucher":      "优惠券编号无效或已用完。",
		"err_slow_down":    "尝试次数过多，请等一分钟后再试。",
		"err_gateway":      "此页并非由 WiFi@HK 热点打开。请连接 WiFi@HK 网络，然后打开任何网页。",
		"err_unknown_nas":  "此热点未在 WiFi@HK 登记。",
		"err_expired_form": "此页已过期。请重新连接网络以获取新页面。",
		"err_internal":     "我们的系统出现问题，请再试一次。",
		"err_send":         "未能发送验证码，请稍后再试。",
		"err_plan":         "此场地不提供这种连接方式。",
		"refused_heading":  "今天的免费连接已用完",
		"terms_heading":    "使用条款",
		"terms_body":       "WiFi@HK 是免费公共服务。请合法并顾及他人地使用：不得攻击其他用户或网络、不得发送垃圾信息、不得侵犯版权。本服务按现状提供，不保证可用性或速度。每次连接设有时限，并可随时终止。为运营服务及按法律要求，我们会保存每次连接的时间、时长及流量、你设备的硬件地址，以及账户的电邮或手机号码；我们不会阅读你的通信内容。公共 Wi-Fi 上的通信可能被他人看到：请使用安全（https）网站。",
		"skip":             "跳至登录表单",
		"help":             "帮助：WiFi@HK 热线列于场地内。",
		"voucher_print":    "Wi-Fi 优惠券",
		"voucher_valid":    "有效至 %s · 每次 %d 分钟 · 可用 %d 次",
	},
}
