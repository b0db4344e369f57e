export {
  BROWSER_BUILD,
  BROWSER_MEMBER_BUDGET_BYTES,
  type BundleSize,
  buildPage,
  measureBrowserMember,
  measureBundle,
} from "./bundle.js";
