package onboarding

import (
	"context"
	"slices"
	"strings"

	"github.com/posguard/posguard"
)

// Names of the automatic checks, in the order they run.
const (
	CheckRequired     = "required_fields"
	CheckLicense      = "license_no"
	CheckLegalID      = "legal_id_no"
	CheckPhone        = "phone"
	CheckDocuments    = "documents"
	CheckAccountName  = "account_name"
	CheckDuplicate    = "duplicate"
	CheckBlacklist    = "blacklist"
	CheckVerification = "real_name_verification"
)

// outcome is what the checks decided.
type outcome struct {
	checks   []posguard.Check
	blackHit bool
}

func (o *outcome) pass(name string, zh, en string) {
	o.checks = append(o.checks, posguard.Check{Name: name, Passed: true, Reason: posguard.Text{ZH: zh, EN: en}})
}

func (o *outcome) fail(name, field, zh, en string) {
	o.checks = append(o.checks, posguard.Check{Name: name, Reason: posguard.Text{ZH: zh, EN: en}, Field: field})
}

// passed reports whether every check so far passed.
func (o *outcome) passed() bool {
	for _, c := range o.checks {
		if !c.Passed {
			return false
		}
	}
	return true
}

// runChecks runs the automatic checks of a; verification runs only when
// every other check passed (a paid service is not asked about data known to
// be wrong). An error means a check could not run (store or verification
// service down): the application stays as it was.
func (s *Service) runChecks(ctx context.Context, a *posguard.Application) (*outcome, error) {
	o := &outcome{}
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"name", a.Name}, {"mcc", a.MCC}, {"legal_name", a.LegalName}, {"legal_id_no", a.LegalIDNo},
		{"phone", a.Phone}, {"address", a.Address}, {"settlement_account.bank", a.Account.Bank},
		{"settlement_account.number", a.Account.Number}, {"settlement_account.name", a.Account.Name}, {"fee_plan", a.FeePlan},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if a.Kind != posguard.KindIndividual && a.LicenseNo == "" {
		missing = append(missing, "license_no")
	}
	if len(missing) > 0 {
		o.fail(CheckRequired, missing[0], "缺少必填项："+strings.Join(missing, "、"), "missing: "+strings.Join(missing, ", "))
	} else {
		o.pass(CheckRequired, "必填项齐全", "every required field is present")
	}

	if a.Kind != posguard.KindIndividual || a.LicenseNo != "" {
		if ValidCreditCode(a.LicenseNo) {
			o.pass(CheckLicense, "统一社会信用代码校验位正确", "the unified social credit code's check character is right")
		} else {
			o.fail(CheckLicense, "license_no", "统一社会信用代码不正确（应为18位，校验位按GB 32100计算）", "the unified social credit code is wrong (18 characters, check character per GB 32100)")
		}
	}
	switch CheckID(a.LegalIDNo, s.now()) {
	case IDOK:
		o.pass(CheckLegalID, "法定代表人身份证号码校验位和出生日期正确", "the legal person's ID number has a right check character and a plausible birth date")
	case IDCheckDigit:
		o.fail(CheckLegalID, "legal_id_no", "法定代表人身份证号码校验位错误（GB 11643），请核对后重新填写", "the legal person's ID number has a wrong check character (GB 11643): check and type it again")
	case IDBirthDate:
		o.fail(CheckLegalID, "legal_id_no", "法定代表人身份证号码中的出生日期不合理", "the birth date in the legal person's ID number is not plausible")
	default:
		o.fail(CheckLegalID, "legal_id_no", "法定代表人身份证号码应为18位（17位数字加校验位）", "the legal person's ID number must be 18 characters (17 digits and a check character)")
	}
	if ValidPhone(a.Phone) {
		o.pass(CheckPhone, "手机号码格式正确", "the phone number is well formed")
	} else {
		o.fail(CheckPhone, "phone", "手机号码应为11位、以13–19开头的中国大陆手机号", "the phone must be a mainland mobile number: 11 digits starting 13–19")
	}

	docs, err := s.Store.Documents(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	var lacking []string
	for _, k := range requiredDocs[a.Kind] {
		if !slices.ContainsFunc(docs, func(d *posguard.Document) bool { return d.Kind == k }) {
			lacking = append(lacking, k)
		}
	}
	if len(lacking) > 0 {
		o.fail(CheckDocuments, "documents", "缺少证件材料："+strings.Join(lacking, "、"), "documents missing: "+strings.Join(lacking, ", "))
	} else {
		o.pass(CheckDocuments, "证件材料齐全", "every required document is attached")
	}

	if accountNameMatches(a) {
		o.pass(CheckAccountName, "结算账户户名与商户相符", "the settlement account's name matches the merchant")
	} else if a.Kind == posguard.KindEnterprise {
		o.fail(CheckAccountName, "settlement_account.name", "企业商户的结算账户户名须与商户名称一致", "an enterprise's settlement account must be in the merchant's name")
	} else {
		o.fail(CheckAccountName, "settlement_account.name", "结算账户户名须为法定代表人本人（或商户名称）", "the settlement account must be in the legal person's (or the merchant's) name")
	}

	dups, err := s.Store.Duplicates(ctx, a.ID, a.LicenseNo, a.LegalIDNo)
	if err != nil {
		return nil, err
	}
	// Completing an existing pending_kyc merchant is not a duplicate of itself.
	dups = slices.DeleteFunc(dups, func(d string) bool { return a.MerchantID != "" && d == "merchant/"+a.MerchantID })
	if len(dups) > 0 {
		field := "legal_id_no"
		if a.LicenseNo != "" {
			field = "license_no"
		}
		o.fail(CheckDuplicate, field, "相同证照已有商户或进行中的申请："+strings.Join(dups, "、"), "another merchant or open application has the same licence or ID: "+strings.Join(dups, ", "))
	} else {
		o.pass(CheckDuplicate, "没有重复的商户或申请", "no other merchant or open application with the same licence or ID")
	}

	vals := []string{a.LegalIDNo, a.Phone, a.Account.Number}
	if a.LicenseNo != "" {
		vals = append(vals, a.LicenseNo)
	}
	if why, hit, err := s.Store.Blacklisted(ctx, vals...); err != nil {
		return nil, err
	} else if hit {
		o.blackHit = true
		o.fail(CheckBlacklist, "", "命中黑名单："+why, "on the blacklist: "+why)
	} else {
		o.pass(CheckBlacklist, "未命中黑名单", "not on the blacklist")
	}

	if !o.passed() {
		return o, nil
	}
	v, err := s.Verifier.Verify(ctx, posguard.Identity{Name: a.LegalName, IDNo: a.LegalIDNo, Phone: a.Phone, Account: a.Account.Number})
	if err != nil {
		return nil, err
	}
	if v.Match {
		o.pass(CheckVerification, "实名认证（姓名、身份证号、银行卡号、手机号四要素）一致", "real-name verification passed: name, ID number, account and phone belong together")
		return o, nil
	}
	field := "legal_name"
	if len(v.Mismatch) > 0 {
		field = verifyField[v.Mismatch[0]]
	}
	o.fail(CheckVerification, field, "实名认证未通过：四要素不一致（"+strings.Join(v.Mismatch, "、")+"），请核对", "real-name verification failed: the four elements do not belong together ("+strings.Join(v.Mismatch, ", ")+"); check them")
	return o, nil
}

// verifyField maps a verification element to the application field.
var verifyField = map[string]string{"name": "legal_name", "id_no": "legal_id_no", "phone": "phone", "account": "settlement_account.number"}

// accountNameMatches applies the account-name rule: an enterprise's account
// is in the merchant's name, an individual's in the legal person's, a
// small merchant's in either.
func accountNameMatches(a *posguard.Application) bool {
	n := normName(a.Account.Name)
	if n == "" {
		return false
	}
	switch a.Kind {
	case posguard.KindEnterprise:
		return n == normName(a.Name)
	case posguard.KindIndividual:
		return n == normName(a.LegalName)
	}
	return n == normName(a.Name) || n == normName(a.LegalName)
}

// normName compares names without spaces and with full-width brackets as
// half-width ones.
func normName(s string) string {
	s = strings.NewReplacer(" ", "", "\u3000", "", "（", "(", "）", ")").Replace(s)
	return strings.TrimSpace(s)
}
