/** Table cells and the verdict badge, as every page of soak writes them. */
import type { Verdict } from '../../analysis/types.js';
import { verdictLabel } from '../format.js';
import { escapeHtml } from './escape.js';

export const badge = (v: Verdict): string => `<span class="verdict ${v}">${verdictLabel[v]}</span>`;
export const cell = (text: string): string => `<td>${escapeHtml(text)}</td>`;
export const num = (text: string): string => `<td class="num">${escapeHtml(text)}</td>`;
