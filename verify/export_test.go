package verify

// SetQueuePage sets the reversal page size for a test and returns the
// function that restores it.
func SetQueuePage(n int) (restore func()) {
	old := queuePage
	queuePage = n
	return func() { queuePage = old }
}
