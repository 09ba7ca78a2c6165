import express from "express";
import { answer } from "./mistral.js";

const app = express();
app.use(express.json());

app.post("/api/chat", async (req, res) => {
  const reply = await answer(String(req.body.question ?? ""));
  res.json({ reply });
});

app.get("/health", (_req, res) => {
  res.json({ status: "ok" });
});

app.listen(Number(process.env.PORT ?? 3000));
