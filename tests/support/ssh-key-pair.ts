/** Test keys come from the fleet's own generator (it works around an ssh2 bug). */
export { ed25519KeyPair } from "../../fleet/src/ssh-key-pair";
