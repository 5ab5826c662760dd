/** The one error the template engine throws for a template that fails to parse or execute. */
import { KoError } from "../util/errors.ts";

/** A template failed to parse or to execute; the message is Go's. */
export class TemplateError extends KoError {
  override name = "TemplateError";
}
