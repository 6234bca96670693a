package hotspots

import "github.com/wifihk/wifihk/internal/i18n"

// standardTypes are the Chinese names of the venue types the Wi-Fi.HK
// open data uses (its 19 VenueTypeEN values), for venues whose records
// carry only the English type, as the English-only export does. They are
// our translations, in Hong Kong usage for Traditional Chinese.
var standardTypes = map[string][2]string{
	"Welfare Service Units":                          {"福利服務單位", "福利服务单位"},
	"Stores/Shopping Malls":                          {"商店／商場", "商店／商场"},
	"Telephone Booths":                               {"電話亭", "电话亭"},
	"Sports, Cultural & Recreational Venues":         {"康樂、體育及文化場地", "康乐、体育及文化场地"},
	"Food & Beverage":                                {"餐飲", "餐饮"},
	"Government Buildings & Offices":                 {"政府大樓及辦事處", "政府大楼及办事处"},
	"Entertainment & Leisure":                        {"娛樂及休閒", "娱乐及休闲"},
	"Banking & Finance":                              {"銀行及金融", "银行及金融"},
	"Convenience Stores":                             {"便利店", "便利店"},
	"Public Rental Housing Estate Sitting-out Areas": {"公共屋邨休憩處", "公共屋邨休憩处"},
	"Hotels/Guesthouses":                             {"酒店／賓館", "酒店／宾馆"},
	"Transportation/Boundary & Related Facilities":   {"交通、口岸及相關設施", "交通、口岸及相关设施"},
	"Hospitals & Clinics":                            {"醫院及診所", "医院及诊所"},
	"Village Premises":                               {"鄉村處所", "乡村处所"},
	"University & Tertiary Institutes":               {"大學及專上院校", "大学及大专院校"},
	"Innovation & Technology/Commercial Centres":     {"創新科技及商業中心", "创新科技及商业中心"},
	"Others":                                  {"其他", "其他"},
	"Schools & Learning/Study Centres":        {"學校及自修室", "学校及自修室"},
	"Government Related Organisation Offices": {"公營機構辦事處", "公营机构办事处"},
}

// TypeName is a venue type in lang ("en", "zh-Hant" or "zh-Hans"): a
// standard type's Chinese name, else the English as given.
func TypeName(en, lang string) string {
	if n, ok := standardTypes[en]; ok {
		return i18n.Name(lang, en, n[0], n[1])
	}
	return en
}

// TypeIn is v's venue type in lang: its own Chinese type when its record
// has one, else TypeName of its English type.
func (v Venue) TypeIn(lang string) string {
	switch {
	case lang == "zh-Hant" && v.TypeTC != "":
		return v.TypeTC
	case lang == "zh-Hans" && v.TypeSC != "":
		return v.TypeSC
	}
	return TypeName(v.TypeEN, lang)
}
