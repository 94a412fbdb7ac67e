// Brings the types of the cdktf jest matchers set up in setup.js.
import "cdktf/lib/testing/adapters/jest";
