// Sample app for mistral-gate: a chat backend with the usual gaps before launch.
import { Mistral } from "@mistralai/mistralai";

export const client = new Mistral({
  apiKey: process.env.MISTRAL_API_KEY ?? "",
});

export async function answer(question: string): Promise<string> {
  const messages = [{ role: "user" as const, content: question }];
  console.log("asking mistral", messages);
  const res = await client.chat.complete({
    model: "mistral-large-latest",
    messages,
  });
  const content = res.choices?.[0]?.message?.content;
  return typeof content === "string" ? content : "";
}
