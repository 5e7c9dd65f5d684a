// Package console is posguard's back-office console: server-rendered pages
// (html/template, embedded templates and assets, no script) where merchant
// users see, search and act on their own transactions, settlements, cases
// and terminals, and staff (admin, operator, risk, finance) watch and work
// the whole acquiring business.
//
// Every page is declared once in the route table (routes.go) with the roles
// it admits; a merchant user opening a staff page, or another merchant's
// object, gets the same 404 page as for something that does not exist.
// Every user-facing string comes from the zh-CN / en message catalogue
// (catalog.go); amounts are shown in 元 with two decimals and thousands
// separators, times in UTC+8. The Content-Security-Policy forbids every
// script; charts are SVG drawn on the server (chart.go).
//
// The console reads through the same stores and services as the JSON API
// (posguard.Store, casework, analytics, settlement, payout, diagnosis); it
// keeps no data of its own. Users, sessions and CSRF tokens come from the
// Access field (see access.go), so the console and the API share one user
// system.
package console
