/** The catalogue of known slips (issue 11), in the order the ids are listed there. */
import { a0Ignored } from './a0-ignored';
import { aWithoutTanh } from './a-without-tanh';
import { backwardTimeOrder } from './backward-time-order';
import { biasMissing } from './bias-missing';
import { cGatesSwapped } from './c-gates-swapped';
import { concatOrder } from './concat-order';
import { daNotCarried } from './da-not-carried';
import { dbKeepdims } from './db-keepdims';
import { dcNotCarried } from './dc-not-carried';
import { dcctErrata } from './dcct-errata';
import { dtanhDouble } from './dtanh-double';
import { dWTransposed } from './dW-transposed';
import { gateGradParentheses } from './gate-grad-parentheses';
import { noWeightSlice } from './no-weight-slice';
import { outputFromAPrev } from './output-from-a-prev';
import { softmaxAxis } from './softmax-axis';
import { tanhSigmoidSwap } from './tanh-sigmoid-swap';
import type { Variant } from './types';

export const CATALOGUE: readonly Variant[] = [
  a0Ignored, biasMissing, outputFromAPrev, softmaxAxis, tanhSigmoidSwap, concatOrder, cGatesSwapped, aWithoutTanh,
  dtanhDouble, dWTransposed, dbKeepdims, daNotCarried, dcNotCarried, dcctErrata, gateGradParentheses, noWeightSlice,
  backwardTimeOrder,
];

export const CATALOGUE_IDS: readonly string[] = CATALOGUE.map((v) => v.id);
export type { Variant, VariantForm } from './types';
