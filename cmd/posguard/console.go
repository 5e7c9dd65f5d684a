package main

import (
	nethttp "net/http"

	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/console"
	"github.com/posguard/posguard/host"
	api "github.com/posguard/posguard/http"
)

// withConsole serves the JSON API (/v1/…, /healthz, /metrics) and the
// back-office console (every other path, at /) on one HTTP address. The
// console logs users in with the same access control as the API.
func (c *ServeCommand) withConsole(st host.Store, apiSrv *api.Server, auth *access.Auth) nethttp.Handler {
	con := &console.Server{Store: st, Auth: auth, Cases: apiSrv.Cases, Reports: apiSrv.Reports,
		Payouts: apiSrv.Payouts, Changes: st.Access(), Recon: apiSrv.Recon, Disputes: apiSrv.Disputes, QR: st.QR(), Logger: c.log}
	if apiSrv.QR != nil {
		con.QRRefunds = apiSrv.QR
	}
	if bo := apiSrv.Backoffice; bo != nil {
		con.Onboarding, con.Risk = bo.Onboarding, bo.Risk
		if bo.Risk != nil {
			con.MerchantChanged = bo.Risk.Changed
		}
	}
	apiH, conH := apiSrv.Handler(), con.Handler()
	mux := nethttp.NewServeMux()
	mux.Handle("/v1/", apiH)
	mux.Handle("/healthz", apiH)
	mux.Handle("/metrics", apiH)
	mux.Handle("/", conH)
	return mux
}
