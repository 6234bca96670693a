package console

import "net/http"

// confirmation is the page that stands between a button and an action
// that cannot be undone (remove, revoke): it says what will happen and
// posts the same form again with confirm=yes. It is a page, not a script
// dialog, so it holds without JavaScript and for any client that posts.
type confirmation struct {
	Action   string            // the URL the confirming form posts to
	Fields   map[string]string // hidden fields posted again (besides csrf and confirm)
	Question string            // the page's heading: "Remove gateway lib-a2?"
	Detail   string            // what it does and what it leaves
	Button   string            // the confirming button's label
	Cancel   string            // where Cancel leads back to
}

// confirmed reports whether a posted action carries its confirmation.
// When it does not, it fills v with cf's page; the handler then returns
// "confirm" and changes nothing.
func confirmed(r *http.Request, v *view, cf confirmation) bool {
	if r.PostFormValue("confirm") == "yes" {
		return true
	}
	v.Title, v.Data = cf.Question, &cf
	return false
}
