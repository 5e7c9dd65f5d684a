// Package access decides who may do what: it hashes and checks passwords
// (argon2id), issues and checks bearer tokens and console sessions, locks a
// name out after repeated failed logins, issues and checks CSRF tokens, and
// routes requests only to users whose role a route admits (Router refuses at
// start a route that declares no roles).
//
// The API (http/) and the console (console/) share it:
//
//	auth := &access.Auth{Store: store.Access()}
//	rt := access.NewRouter(auth, deny)
//	rt.Handle("GET /transactions", h, access.Staff(posguard.RoleMerchant)...)
//	… in a handler:
//	u := access.UserFromContext(r.Context())
//
// A handler behind the router always has a user (except on routes declared
// Public). Merchant isolation is the store's and the handler's business: a
// merchant user's lists are filtered by its merchant ID in SQL, and another
// merchant's object answers ENOTFOUND (see posguard.User.Sees).
package access
