// Package benchkit holds what the load generators under bench/cmd share:
// the machine line every run prints, statistics, fresh databases, the
// server binary as a child process, the Meta simulator on a port, and a
// small GraphQL client. Nothing here keeps package-level state.
package benchkit
