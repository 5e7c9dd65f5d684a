package console

import (
	"fmt"
	"net/http"

	"golang.org/x/text/language"
)

// langCookie remembers the language a user chose with ?lang=.
const langCookie = "posguard_lang"

// The console's languages: Simplified Chinese (the default) and English.
const (
	langZH = "zh"
	langEN = "en"
)

// catalog holds every user-facing string of the console by key, once per
// language (messages_zh.go, messages_en.go). TestCatalogComplete fails when
// a key exists in one language only or a template uses a missing key.
var catalog = map[string]map[string]string{langZH: messagesZH, langEN: messagesEN}

// tr returns the message key in lang, formatted with args (fmt verbs). A
// missing key shows as the key itself so a gap is visible, never blank.
func tr(lang, key string, args ...any) string {
	m, ok := catalog[lang][key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// langMatcher picks between the two languages for Accept-Language.
var langMatcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// pickLang returns the request's language: ?lang= (remembered in a cookie
// by the caller), else the cookie, else English when Accept-Language
// prefers it, else Chinese.
func pickLang(r *http.Request) (lang string, fromQuery bool) {
	switch r.URL.Query().Get("lang") {
	case langEN:
		return langEN, true
	case langZH, "zh-CN":
		return langZH, true
	}
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == langEN || c.Value == langZH) {
		return c.Value, false
	}
	if al := r.Header.Get("Accept-Language"); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			_, i, conf := langMatcher.Match(tags...)
			if i == 1 && conf != language.No {
				return langEN, false
			}
		}
	}
	return langZH, false
}
